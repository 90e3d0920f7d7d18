// Thunderbird's autoconfig file (clientConfig 1.1), served at
// https://autoconfig.<domain>/mail/config-v1.1.xml and https://<host>/.well-known/autoconfig/mail/config-v1.1.xml.
// Password logins over TLS only: IMAP 993 and POP3 995 with implicit TLS, SMTP submission 465
// (implicit TLS) then 587 (STARTTLS). %EMAILADDRESS% is the login, which Thunderbird fills in.
import { xmlEscape } from './http-kit.ts';
import type { MailEndpoints } from './mail-endpoints.ts';

export function autoconfigXml(domain: string, ep: MailEndpoints): string {
  const d = xmlEscape(domain);
  const h = xmlEscape(ep.host);
  const server = (tag: string, type: string, port: number, socketType: 'SSL' | 'STARTTLS') =>
    `    <${tag} type="${type}">
      <hostname>${h}</hostname>
      <port>${port}</port>
      <socketType>${socketType}</socketType>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </${tag}>
`;
  const dav = ep.davBase
    ? `  <addressBook type="carddav">
    <username>%EMAILADDRESS%</username>
    <authentication>http-basic</authentication>
    <serverURL>${xmlEscape(ep.davBase)}/.well-known/carddav</serverURL>
  </addressBook>
  <calendar type="caldav">
    <username>%EMAILADDRESS%</username>
    <authentication>http-basic</authentication>
    <serverURL>${xmlEscape(ep.davBase)}/.well-known/caldav</serverURL>
  </calendar>
`
    : '';
  return `<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="${d}">
    <domain>${d}</domain>
    <displayName>${d} (Facteur)</displayName>
    <displayShortName>${d}</displayShortName>
${server('incomingServer', 'imap', ep.imaps, 'SSL')}${server('incomingServer', 'pop3', ep.pop3s, 'SSL')}${server('outgoingServer', 'smtp', ep.submissions, 'SSL')}${server('outgoingServer', 'smtp', ep.submission, 'STARTTLS')}  </emailProvider>
${dav}</clientConfig>
`;
}
