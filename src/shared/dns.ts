import { z } from 'zod';

/**
 * Schemas of the DNS wizard's contract methods (dnsPlan, dnsCheck, dnsApply, dnsSavedProvider).
 * contract.ts declares the methods; the shapes live here so the DNS part stays in one place.
 */

/** A host name: letters, digits, hyphens and underscores per label (service names such as _dmarc). */
export const DNS_NAME_RE = /^(?=.{1,253}$)(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$/;
const dnsName = z
  .string()
  .trim()
  .toLowerCase()
  .transform((s) => s.replace(/\.$/, ''))
  .pipe(z.string().regex(DNS_NAME_RE, 'Use a domain name such as example.org'));

export const dnsRecordTypes = ['A', 'AAAA', 'MX', 'TXT', 'SRV', 'CNAME', 'CAA', 'TLSA'] as const;
export type DnsRecordType = (typeof dnsRecordTypes)[number];

/** What each planned record is for; the renderer translates the purpose from this key. */
export const dnsRecordKinds = [
  'mx',
  'mailA',
  'mailAAAA',
  'mailSpf',
  'mtaStsA',
  'mtaStsAAAA',
  'autoconfigA',
  'autoconfigAAAA',
  'autodiscover',
  'autodiscoverSrv',
  'spf',
  'dkim',
  'dmarc',
  'mtaSts',
  'tlsRpt',
  'imaps',
  'submissions',
  'submission',
  'pop3s',
  'caldavs',
  'carddavs',
  'caa',
  'tlsa',
] as const;
export type DnsRecordKind = (typeof dnsRecordKinds)[number];

export const dnsPlanRequest = z
  .object({
    /** The server the records point at (the deploy step fills the fields below from it later). */
    serverId: z.string().min(1).max(64).optional(),
    domain: dnsName,
    /** The mail server's name; default mail.<domain>. */
    mailHost: dnsName.optional(),
    ipv4: z.ipv4().optional(),
    ipv6: z.ipv6().optional(),
    /** DKIM keys as the control API lists them: every published selector (rotation keeps two). */
    dkim: z
      .array(
        z
          .object({
            selector: z
              .string()
              .trim()
              .toLowerCase()
              .regex(/^[a-z0-9](?:[a-z0-9._-]{0,61}[a-z0-9])?$/, 'Use letters, digits and hyphens'),
            value: z.string().trim().min(1).max(4096),
          })
          .strict(),
      )
      .max(8)
      .default([]),
    /** Where DMARC and TLS reports go; default postmaster@<domain>. */
    reportMailbox: z.email().optional(),
    dmarcPolicy: z.enum(['none', 'quarantine', 'reject']).default('quarantine'),
    /** The CA allowed by CAA (the one the server's ACME client uses). */
    acmeCa: dnsName.default('letsencrypt.org'),
    /** MTA-STS policy id (RFC 8461: 1-32 letters and digits); default derived from the MX host. */
    mtaStsId: z
      .string()
      .regex(/^[A-Za-z0-9]{1,32}$/)
      .optional(),
    /** Optional DANE: SHA-256 digests of the server certificate's public key (TLSA 3 1 1). */
    tlsa: z
      .array(
        z
          .string()
          .trim()
          .toLowerCase()
          .regex(/^[0-9a-f]{64}$/, 'Use a SHA-256 digest in hexadecimal'),
      )
      .max(4)
      .default([]),
  })
  .strict()
  .refine((r) => r.ipv4 || r.ipv6 || r.serverId, {
    message: 'Enter the server’s IPv4 or IPv6 address',
    path: ['ipv4'],
  });

export const dnsRecord = z.object({
  /** Stable id within a plan (kind, plus the selector for DKIM). */
  id: z.string(),
  kind: z.enum(dnsRecordKinds),
  /** Full name without the final dot, e.g. mail.example.org. */
  name: z.string(),
  /** The name relative to the domain, as most providers' forms want it ("@" for the domain). */
  host: z.string(),
  type: z.enum(dnsRecordTypes),
  /** The record's value as a provider's form wants it: TXT unquoted, names with a final dot. */
  value: z.string(),
  ttl: z.number(),
  /** What the record is for, in plain English (the renderer translates it from `kind`). */
  purpose: z.string(),
  optional: z.boolean(),
});

export const dnsPlan = z.object({
  domain: z.string(),
  mailHost: z.string(),
  records: z.array(dnsRecord),
  /** RFC 1035 master file of the records (long TXT split into 255-byte strings). */
  zoneFile: z.string(),
});

export const dnsStatus = z.enum(['ok', 'wrong', 'missing', 'error']);

export const dnsHintCodes = [
  'quotedTxt',
  'doubledName',
  'targetMissingDot',
  'spfSplit',
  'txtSplit',
  'multipleSpf',
  'apexCname',
  'whitespace',
  'extraRecords',
  'nameserversDisagree',
  'resolverStale',
] as const;

export const dnsHint = z.object({
  code: z.enum(dnsHintCodes),
  /** The advice in plain English; the renderer translates it from `code` and `params`. */
  message: z.string(),
  params: z.record(z.string(), z.union([z.string(), z.number()])),
});

export const dnsRecordCheck = z.object({
  id: z.string(),
  kind: z.enum(dnsRecordKinds),
  name: z.string(),
  type: z.enum(dnsRecordTypes),
  expected: z.string(),
  /** What the authoritative servers hold at that name and type (the relevant records). */
  found: z.array(z.string()),
  status: dnsStatus,
  /** What the resolver sees (it may still cache an older answer). */
  resolverStatus: dnsStatus,
  /** A precise sentence: expected vs found, with the first differing character. */
  message: z.string(),
  diff: z.object({ at: z.number(), expected: z.string(), found: z.string() }).optional(),
  hints: z.array(dnsHint),
});

export const dnsPtrCheck = z.object({
  ip: z.string(),
  reverseName: z.string(),
  expected: z.string(),
  found: z.array(z.string()),
  status: dnsStatus,
  message: z.string(),
});

export const dnsCheckReport = z.object({
  domain: z.string(),
  checkedAt: z.string(),
  /** The domain's authoritative servers, found through an NS lookup and queried directly. */
  nameservers: z.array(z.object({ name: z.string(), addresses: z.array(z.string()) })),
  /** Set when the checks could not run at all (no such domain, no name server answered). */
  problem: z
    .object({ code: z.enum(['noDomain', 'noNameservers', 'unreachable']), message: z.string() })
    .optional(),
  records: z.array(dnsRecordCheck),
  ptr: z.array(dnsPtrCheck),
});

const updateServer = z
  .string()
  .trim()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9.:-]+$/, 'Use a host name or an IP address');

/** RFC 2136 dynamic update signed with TSIG; the secret is kept in the desktop vault. */
export const rfc2136Provider = z
  .object({
    kind: z.literal('rfc2136'),
    server: updateServer,
    port: z.number().int().min(1).max(65535).default(53),
    /** The zone to update; default the domain. */
    zone: dnsName.optional(),
    /** The TSIG key's name as the server knows it (one label is fine: "facteur-update."). */
    keyName: z
      .string()
      .trim()
      .toLowerCase()
      .transform((s) => s.replace(/\.$/, ''))
      .pipe(
        z
          .string()
          .max(253)
          .regex(
            /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/,
            'Use the key name the DNS server knows',
          ),
      ),
    algorithm: z.literal('hmac-sha256').default('hmac-sha256'),
    /** Base64 TSIG secret; omit it to use the one saved for this domain. */
    secret: z.base64().min(16).max(512).optional(),
  })
  .strict();

export const dnsProviderConfig = z.discriminatedUnion('kind', [rfc2136Provider]);

export const dnsApplyRequest = z.object({ plan: dnsPlanRequest, provider: dnsProviderConfig }).strict();

export const dnsApplyResult = z.object({
  provider: z.string(),
  zone: z.string(),
  added: z.number(),
  replaced: z.number(),
  removed: z.number(),
  unchanged: z.number(),
  /** One line per change sent, e.g. "add mail.example.org A 192.0.2.1". */
  changes: z.array(z.string()),
});

export const dnsSavedProviderRequest = z.object({ domain: dnsName }).strict();
export const dnsSavedProvider = z.object({
  provider: rfc2136Provider.omit({ secret: true }).nullable(),
  hasSecret: z.boolean(),
});

export type DnsPlanRequest = z.output<typeof dnsPlanRequest>;
export type DnsRecord = z.output<typeof dnsRecord>;
export type DnsPlan = z.output<typeof dnsPlan>;
export type DnsStatus = z.output<typeof dnsStatus>;
export type DnsHint = z.output<typeof dnsHint>;
export type DnsHintCode = (typeof dnsHintCodes)[number];
export type DnsRecordCheck = z.output<typeof dnsRecordCheck>;
export type DnsPtrCheck = z.output<typeof dnsPtrCheck>;
export type DnsCheckReport = z.output<typeof dnsCheckReport>;
export type DnsProviderConfig = z.output<typeof dnsProviderConfig>;
export type Rfc2136ProviderConfig = z.output<typeof rfc2136Provider>;
export type DnsApplyResult = z.output<typeof dnsApplyResult>;
