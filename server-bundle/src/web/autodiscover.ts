// Outlook's autodiscover, "POX" flavour: POST /autodiscover/autodiscover.xml with
//   <Autodiscover xmlns=".../outlook/requestschema/2006"><Request><EMailAddress>…</EMailAddress>
//   <AcceptableResponseSchema>.../outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>
// answered with the IMAP, POP3 and SMTP settings for that address. The request is read with two
// bounded patterns, never with an XML parser, so entities and DTDs can do nothing; a request
// carrying a DTD is refused outright.
import { HttpError, xmlEscape } from './http-kit.ts';
import type { MailEndpoints } from './mail-endpoints.ts';

export const OUTLOOK_RESPONSE_SCHEMA =
  'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a';
const RESPONSE_NS = 'http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006';
const ADDRESS = /^[^\s@<>"'&()\\,;:]{1,64}@[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?$/i;

export interface AutodiscoverRequest {
  emailAddress: string;
  domain: string;
}

function element(xml: string, name: string): string | undefined {
  const m = new RegExp(
    `<(?:[A-Za-z_][\\w.-]*:)?${name}\\b[^>]{0,200}>\\s*([^<]{0,400}?)\\s*</(?:[A-Za-z_][\\w.-]*:)?${name}\\s*>`,
  ).exec(xml);
  return m?.[1];
}

export function parseAutodiscoverRequest(body: Buffer): AutodiscoverRequest {
  const xml = body.toString('utf8');
  if (/<!DOCTYPE|<!ENTITY/i.test(xml))
    throw new HttpError(400, 'Document type declarations are not accepted.');
  if (!/<(?:[A-Za-z_][\w.-]*:)?Autodiscover\b/.test(xml))
    throw new HttpError(400, 'Not an autodiscover request (no <Autodiscover> element).');
  const schema = element(xml, 'AcceptableResponseSchema');
  if (schema !== undefined && schema !== OUTLOOK_RESPONSE_SCHEMA) {
    throw new HttpError(400, `Only the Outlook response schema (${OUTLOOK_RESPONSE_SCHEMA}) is served here.`);
  }
  const emailAddress = element(xml, 'EMailAddress');
  if (!emailAddress || !ADDRESS.test(emailAddress))
    throw new HttpError(400, 'The request has no valid <EMailAddress>.');
  return { emailAddress, domain: emailAddress.slice(emailAddress.lastIndexOf('@') + 1).toLowerCase() };
}

export function autodiscoverResponseXml(req: AutodiscoverRequest, ep: MailEndpoints): string {
  const login = xmlEscape(req.emailAddress);
  const host = xmlEscape(ep.host);
  const protocol = (type: string, port: number, encryption: 'SSL' | 'TLS') => `      <Protocol>
        <Type>${type}</Type>
        <Server>${host}</Server>
        <Port>${port}</Port>
        <LoginName>${login}</LoginName>
        <DomainRequired>off</DomainRequired>
        <SPA>off</SPA>
        ${encryption === 'SSL' ? '<SSL>on</SSL>' : '<Encryption>TLS</Encryption>'}
        <AuthRequired>on</AuthRequired>
      </Protocol>
`;
  return `<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="${RESPONSE_NS}">
  <Response xmlns="${OUTLOOK_RESPONSE_SCHEMA}">
    <User>
      <DisplayName>${login}</DisplayName>
    </User>
    <Account>
      <AccountType>email</AccountType>
      <Action>settings</Action>
${protocol('IMAP', ep.imaps, 'SSL')}${protocol('POP3', ep.pop3s, 'SSL')}${protocol('SMTP', ep.submissions, 'SSL')}${protocol('SMTP', ep.submission, 'TLS')}    </Account>
  </Response>
</Autodiscover>
`;
}
