// The only module that imports mailauth: inbound SPF/DKIM/DMARC/ARC verification, outbound DKIM
// signing (RSA and Ed25519 side by side) and the MTA-STS record/policy parsing. Everything else
// sees the small types below.
import { authenticate, dkimSign } from 'mailauth';
import { parsePolicy, resolvePolicy, validateMx } from 'mailauth/lib/mta-sts.js';

/** dns.promises.resolve(name, rrtype) shape. */
export type ResolveFn = (name: string, rrtype: string) => Promise<any>;

export type AuthResult = 'pass' | 'fail' | 'neutral' | 'none' | 'temperror' | 'permerror' | 'policy' | 'softfail' | 'skipped' | 'other';

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
  const known: AuthResult[] = ['pass', 'fail', 'neutral', 'none', 'temperror', 'permerror', 'policy', 'softfail', 'skipped'];
  if (r === 'temperr') return 'temperror';
  return known.includes(r as AuthResult) ? (r as AuthResult) : r ? 'other' : 'none';
};

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
    trustReceived: false,
  });
  const dmarc = r.dmarc
    ? {
        result: asResult(r.dmarc.status.result),
        policy: (['none', 'quarantine', 'reject'].includes(r.dmarc.policy) ? r.dmarc.policy : 'none') as 'none' | 'quarantine' | 'reject',
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
    fromDomain: r.dkim.headerFrom?.length === 1 ? r.dkim.headerFrom[0]!.split('@').pop()!.toLowerCase() : undefined,
  };
}

export interface DkimSigner {
  domain: string;
  selector: string;
  algorithm: 'rsa' | 'ed25519';
  privateKeyPem: string;
}

/** DKIM-Signature header fields (one per key, relaxed/relaxed), to prepend to the message. */
export async function dkimSignatures(raw: Buffer, keys: readonly DkimSigner[], signTime = new Date()): Promise<string> {
  if (!keys.length) return '';
  const signatureData = keys.map((k) => ({
    signingDomain: k.domain,
    selector: k.selector,
    privateKey: k.privateKeyPem,
    algorithm: k.algorithm === 'rsa' ? 'rsa-sha256' : 'ed25519-sha256',
    canonicalization: 'relaxed/relaxed',
  }));
  const r = await dkimSign(raw, { ...signatureData[0]!, signatureData, signTime });
  if (r.errors.length) throw new Error(`DKIM signing failed: ${r.errors.map((e) => `${e.selector ?? ''} ${e.err?.message ?? ''}`).join('; ')}`);
  return r.signatures;
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
