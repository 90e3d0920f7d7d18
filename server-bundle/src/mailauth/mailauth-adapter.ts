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

function hasArcSeal(raw: Buffer): boolean {
  const head = raw.subarray(0, 256 * 1024).toString('latin1');
  const end = head.search(/\r?\n\r?\n/);
  return /^arc-seal:/im.test(end >= 0 ? head.slice(0, end) : head);
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
    // No ARC-Seal in the message: there is no chain to check (and nothing to seal).
    disableArc: !hasArcSeal(raw),
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
  return {
    headers: r.headers,
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
