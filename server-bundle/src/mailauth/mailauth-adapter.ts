// The only module that imports mailauth: inbound SPF/DKIM/DMARC/ARC verification and the MTA-STS
// record/policy parsing. (Outbound DKIM signing is our own, on a buffer: outbound/dkim-signer.ts.)
// Everything else sees the small types below.
// Must come first: it wraps mailauth's per-message key cache before mailauth's verifiers load.
import { keyCacheHits, keyCacheInstalled } from './mailauth-key-cache.ts';
import { authenticate } from 'mailauth';
import { parsePolicy, resolvePolicy, validateMx } from 'mailauth/lib/mta-sts.js';

/** dns.promises.resolve(name, rrtype) shape. */
export { keyCacheHits, keyCacheInstalled };

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- mailauth's resolver contract returns rrtype-dependent shapes
export type ResolveFn = (name: string, rrtype: string) => Promise<any>;

export type AuthResult =
  | 'pass'
  | 'fail'
  | 'neutral'
  | 'none'
  | 'temperror'
  | 'permerror'
  | 'policy'
  | 'softfail'
  | 'skipped'
  | 'other';

export interface AuthVerdict {
  /** Header fields to prepend (Received-SPF, Authentication-Results), each ending in CRLF. */
  headers: string;
  spf: AuthResult;
  spfDomain: string | undefined;
  dkim: Array<{ domain: string; selector: string; algorithm: string; result: AuthResult; aligned: boolean }>;
  /** undefined: no DMARC record (or no usable From:). */
  dmarc: { result: AuthResult; policy: 'none' | 'quarantine' | 'reject'; domain: string } | undefined;
  arc: AuthResult;
  /** The From: domain mailauth saw (lower case), when there was exactly one. */
  fromDomain: string | undefined;
}

const asResult = (r: string | undefined): AuthResult => {
  const known: AuthResult[] = [
    'pass',
    'fail',
    'neutral',
    'none',
    'temperror',
    'permerror',
    'policy',
    'softfail',
    'skipped',
  ];
  if (r === 'temperr') return 'temperror';
  return known.includes(r as AuthResult) ? (r as AuthResult) : r ? 'other' : 'none';
};

/**
 * mailauth reports ARC only when the message carries ARC header fields; the Authentication-Results
 * field we add always says what the chain was: arc=none is appended when there is none.
 */
export function withArcNone(headers: string): string {
  const m = /^Authentication-Results:.*(?:\r\n[ \t].*)*/im.exec(headers);
  if (!m || /(?:^|;)\s*arc=/i.test(m[0])) return headers;
  const end = m.index + m[0].length;
  return `${headers.slice(0, end)};\r\n arc=none${headers.slice(end)}`;
}

/** Whether the message's header section holds any ARC field (ARC-Seal, -Message-Signature, -Authentication-Results). */
function hasArcFields(raw: Buffer): boolean {
  const end = raw.indexOf('\r\n\r\n');
  const header = raw.subarray(0, end < 0 ? raw.length : end + 2).toString('latin1');
  return /(?:^|\n)ARC-(?:Seal|Message-Signature|Authentication-Results)\s*:/i.test(header);
}

export async function verifyMessage(
  raw: Buffer,
  opts: { ip: string; helo: string; sender: string; authservId: string; resolver: ResolveFn },
): Promise<AuthVerdict> {
  const r = await authenticate(raw, {
    ip: opts.ip,
    helo: opts.helo,
    sender: opts.sender,
    mta: opts.authservId,
    resolver: opts.resolver as never,
    disableBimi: true,
    // ARC chain verified when the message carries any ARC field (a broken or partial set is a
    // fail); without one there is nothing to verify: arc=none, and mailauth's ARC pass over the
    // message is skipped. Never sealed here.
    disableArc: !hasArcFields(raw),
    trustReceived: false,
  });
  const dmarc = r.dmarc
    ? {
        result: asResult(r.dmarc.status.result),
        policy: (['none', 'quarantine', 'reject'].includes(r.dmarc.policy) ? r.dmarc.policy : 'none') as
          'none' | 'quarantine' | 'reject',
        domain: r.dmarc.domain,
      }
    : undefined;
  const arcInfo = r.arc ? (r.arc as { info?: string }).info : undefined;
  return {
    headers: arcInfo ? r.headers : withArcNone(r.headers),
    spf: r.spf ? asResult(r.spf.status.result) : 'none',
    spfDomain: r.spf ? r.spf.domain : undefined,
    dkim: (r.dkim.results ?? []).map((d) => ({
      domain: (d.signingDomain ?? '').toLowerCase(),
      selector: d.selector ?? '',
      algorithm: d.algo ?? '',
      result: asResult(d.status?.result),
      aligned: !!d.status?.aligned,
    })),
    dmarc,
    arc: r.arc ? asResult(r.arc.status.result) : 'none',
    fromDomain:
      r.dkim.headerFrom?.length === 1 ? r.dkim.headerFrom[0]!.split('@').pop()!.toLowerCase() : undefined,
  };
}

export interface StsPolicy {
  id: string;
  mode: 'enforce' | 'testing' | 'none';
  mx: string[];
  maxAgeSeconds: number;
}

/** The `id=` of the domain's _mta-sts TXT record, or undefined when it publishes none. */
export async function mtaStsRecordId(domain: string, resolver: ResolveFn): Promise<string | undefined> {
  const id = await resolvePolicy(domain, { resolver: resolver as never });
  return id || undefined;
}

export function parseMtaStsPolicy(text: string, id: string): StsPolicy {
  const p = parsePolicy(text);
  return { id, mode: p.mode, mx: p.mx ?? [], maxAgeSeconds: p.maxAge ?? 86_400 };
}

export function mxMatchesPolicy(mx: string, policy: StsPolicy): boolean {
  return validateMx(mx, { mode: policy.mode, mx: policy.mx }).valid;
}
