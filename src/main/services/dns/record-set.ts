/**
 * The full record set a domain needs for mail on a Facteur server: delivery (MX, A/AAAA), sender
 * authentication (SPF, DKIM with every published selector, DMARC), transport security (MTA-STS,
 * TLS-RPT, CAA, optional TLSA), and client discovery (RFC 6186 and RFC 6764 SRV, autoconfig,
 * autodiscover). Pure: the same inputs give the same records.
 */
import { createHash } from 'node:crypto';
import type { DnsPlan, DnsPlanRequest, DnsRecord, DnsRecordKind } from '../../../shared/dns';
import { fqdn, isWithin, normalizeName, relativeName } from './names';
import { formatValue, zoneRdata, type RData } from './rdata';

/**
 * How a planned record relates to what already exists at its name and type:
 * - `exact`: the planned records are the whole RRset (an extra MX would take mail elsewhere);
 * - `tagged`: only TXT records starting with the same tag (`v=spf1`, `v=DMARC1`, ...) are ours, others
 *   (site verifications and the like) stay;
 * - `contains`: ours must be present; others may stay (another CA's CAA record).
 */
export type MatchPolicy = { kind: 'exact' } | { kind: 'tagged'; tag: string } | { kind: 'contains' };

export interface PlannedRecord extends DnsRecord {
  data: RData;
  match: MatchPolicy;
}

export interface RecordSetInput extends DnsPlanRequest {
  ttl: number;
}

/** Undo what a copy from a zone file adds to a TXT value: quotes around each string, and the splits. */
export function unquoteTxt(value: string): string {
  const v = value.trim();
  if (!/^"(?:[^"\\]|\\.)*"(?:\s+"(?:[^"\\]|\\.)*")*$/s.test(v)) return v;
  const parts = [...v.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!.replace(/\\(.)/g, '$1'));
  return parts.join('');
}

export function defaultMtaStsId(mailHost: string): string {
  return 'f' + createHash('sha256').update(normalizeName(mailHost)).digest('hex').slice(0, 15);
}

const SPF = 'v=spf1';

export function buildRecordSet(input: RecordSetInput): PlannedRecord[] {
  const domain = normalizeName(input.domain);
  const host = normalizeName(input.mailHost ?? `mail.${domain}`);
  const reports = input.reportMailbox ?? `postmaster@${domain}`;
  const ca = normalizeName(input.acmeCa);
  const ttl = input.ttl;
  const hostInDomain = isWithin(host, domain);
  const out: PlannedRecord[] = [];

  const add = (
    id: string,
    kind: DnsRecordKind,
    name: string,
    data: RData,
    purpose: string,
    match: MatchPolicy = { kind: 'exact' },
    optional = false,
  ) => {
    const n = normalizeName(name);
    out.push({
      id,
      kind,
      name: n,
      host: relativeName(n, domain),
      type: data.type as DnsRecord['type'],
      value: formatValue(data),
      ttl,
      purpose,
      optional,
      data,
      match,
    });
  };
  const addresses = (prefix: 'mail' | 'mtaSts' | 'autoconfig', name: string, what: string) => {
    if (input.ipv4)
      add(`${prefix}A`, `${prefix}A`, name, { type: 'A', address: input.ipv4 }, `${what} (IPv4).`);
    if (input.ipv6)
      add(`${prefix}AAAA`, `${prefix}AAAA`, name, { type: 'AAAA', address: input.ipv6 }, `${what} (IPv6).`);
  };

  // Delivery.
  add(
    'mx',
    'mx',
    domain,
    { type: 'MX', preference: 10, exchange: host },
    `Mail for ${domain} is delivered to your server ${host}.`,
  );
  if (hostInDomain) {
    addresses('mail', host, `The address of your mail server ${host}`);
    add(
      'mailSpf',
      'mailSpf',
      host,
      { type: 'TXT', text: `${SPF} a -all` },
      `Lets your server send mail under its own name ${host}, the name it gives when it greets other servers.`,
      { kind: 'tagged', tag: SPF },
    );
  }

  // Sender authentication.
  add(
    'spf',
    'spf',
    domain,
    { type: 'TXT', text: `${SPF} mx -all` },
    `Says that only your mail server may send mail from @${domain} addresses (SPF).`,
    { kind: 'tagged', tag: SPF },
  );
  for (const key of input.dkim) {
    add(
      `dkim:${key.selector}`,
      'dkim',
      `${key.selector}._domainkey.${domain}`,
      { type: 'TXT', text: unquoteTxt(key.value) },
      `The public key other servers use to check the signature on your mail (DKIM, selector ${key.selector}).`,
    );
  }
  add(
    'dmarc',
    'dmarc',
    `_dmarc.${domain}`,
    { type: 'TXT', text: `v=DMARC1; p=${input.dmarcPolicy}; rua=mailto:${reports}` },
    `Tells other servers what to do with mail that fails SPF and DKIM, and sends their reports to ${reports} (DMARC).`,
    { kind: 'tagged', tag: 'v=DMARC1' },
  );

  // Transport security.
  add(
    'mtaSts',
    'mtaSts',
    `_mta-sts.${domain}`,
    { type: 'TXT', text: `v=STSv1; id=${input.mtaStsId ?? defaultMtaStsId(host)}` },
    'Announces that your server only receives mail over encrypted connections (MTA-STS); the id changes when the policy does.',
    { kind: 'tagged', tag: 'v=STSv1' },
  );
  addresses(
    'mtaSts',
    `mta-sts.${domain}`,
    'The web name that serves your MTA-STS policy to other mail servers',
  );
  add(
    'tlsRpt',
    'tlsRpt',
    `_smtp._tls.${domain}`,
    { type: 'TXT', text: `v=TLSRPTv1; rua=mailto:${reports}` },
    `Where other servers report problems encrypting mail to you: ${reports} (TLS-RPT).`,
    { kind: 'tagged', tag: 'v=TLSRPTv1' },
  );
  add(
    'caa',
    'caa',
    domain,
    { type: 'CAA', flags: 0, tag: 'issue', value: ca },
    `Allows ${ca}, the authority your server gets its certificates from, to issue them for ${domain} (CAA).`,
    { kind: 'contains' },
  );
  input.tlsa.forEach((digest, i) =>
    add(
      `tlsa:${i + 1}`,
      'tlsa',
      `_25._tcp.${host}`,
      { type: 'TLSA', usage: 3, selector: 1, matchingType: 1, data: digest },
      'Lets sending servers check your server’s certificate through DNSSEC (DANE). Only useful when the domain is signed with DNSSEC.',
      { kind: 'exact' },
      true,
    ),
  );

  // Client discovery: RFC 6186 (mail), RFC 6764 (calendars and contacts), autoconfig, autodiscover.
  const srv = (kind: DnsRecordKind, service: string, port: number, purpose: string) =>
    add(
      kind,
      kind,
      `${service}._tcp.${domain}`,
      { type: 'SRV', priority: 0, weight: 1, port, target: host },
      purpose,
    );
  srv('imaps', '_imaps', 993, 'Lets mail apps find where to read your mail (IMAP over TLS, port 993).');
  srv(
    'submissions',
    '_submissions',
    465,
    'Lets mail apps find where to send mail (submission over TLS, port 465).',
  );
  srv(
    'submission',
    '_submission',
    587,
    'Lets mail apps find where to send mail (submission with STARTTLS, port 587).',
  );
  srv('pop3s', '_pop3s', 995, 'Lets mail apps that use POP3 find your server (POP3 over TLS, port 995).');
  srv('caldavs', '_caldavs', 443, 'Lets calendar apps find your calendars (CalDAV over HTTPS).');
  srv('carddavs', '_carddavs', 443, 'Lets contact apps find your address books (CardDAV over HTTPS).');
  addresses(
    'autoconfig',
    `autoconfig.${domain}`,
    'Lets Thunderbird and other mail apps read their settings automatically',
  );
  add(
    'autodiscover',
    'autodiscover',
    `autodiscover.${domain}`,
    { type: 'CNAME', target: host },
    'Lets Outlook and other apps that use Autodiscover read their settings automatically.',
  );
  add(
    'autodiscoverSrv',
    'autodiscoverSrv',
    `_autodiscover._tcp.${domain}`,
    { type: 'SRV', priority: 0, weight: 1, port: 443, target: host },
    'Tells Outlook where to find its Autodiscover service.',
  );
  return out;
}

/** RFC 1035 master file: full names with the final dot, so nothing depends on the origin. */
export function toZoneFile(records: readonly PlannedRecord[], domain: string, mailHost: string): string {
  const width = Math.max(...records.map((r) => fqdn(r.name).length), 1);
  const lines = [
    `; DNS records for ${normalizeName(domain)}, mail server ${normalizeName(mailHost)}`,
    '; Generated by Facteur. Names end with a dot: they are complete as written.',
    `$ORIGIN ${fqdn(domain)}`,
    `$TTL ${records[0]?.ttl ?? 3600}`,
  ];
  for (const r of records) {
    lines.push('', `; ${r.optional ? '(optional) ' : ''}${r.purpose}`);
    lines.push(`${fqdn(r.name).padEnd(width)} ${r.ttl} IN ${r.type.padEnd(5)} ${zoneRdata(r.data)}`);
  }
  return lines.join('\n') + '\n';
}

export function planRecords(input: RecordSetInput): { records: PlannedRecord[]; plan: DnsPlan } {
  const records = buildRecordSet(input);
  const domain = normalizeName(input.domain);
  const mailHost = normalizeName(input.mailHost ?? `mail.${domain}`);
  return {
    records,
    plan: {
      domain,
      mailHost,
      records: records.map(({ data: _data, match: _match, ...r }) => r),
      zoneFile: toZoneFile(records, domain, mailHost),
    },
  };
}
