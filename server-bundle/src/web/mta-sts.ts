// The MTA-STS policy (RFC 8461 §3.2) served at https://mta-sts.<domain>/.well-known/mta-sts.txt:
// "key: value" lines ending in CRLF; version first; one "mx" line per pattern; max_age in seconds
// (at most 31557600). Sending servers cache it and refuse to deliver over unverified TLS in enforce.

export type MtaStsMode = 'testing' | 'enforce' | 'none';
export const MTA_STS_MODES: readonly MtaStsMode[] = ['testing', 'enforce', 'none'];
export const MTA_STS_MAX_AGE = 31_557_600;

export interface MtaStsPolicy {
  mode: MtaStsMode;
  /** MX host names or "*.example.org" patterns. */
  mx: readonly string[];
  maxAgeSeconds: number;
}

const MX_PATTERN = /^(\*\.)?([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/;

/** Checks a policy from the configuration; throws with a sentence naming the bad setting. */
export function checkMtaStsPolicy(p: {
  mode: string;
  mx: readonly string[];
  maxAgeSeconds: number;
}): MtaStsPolicy {
  if (!MTA_STS_MODES.includes(p.mode as MtaStsMode))
    throw new Error(`mtaSts.mode must be one of ${MTA_STS_MODES.join(', ')} (got "${p.mode}")`);
  const mx = p.mx.map((m) => m.trim().toLowerCase().replace(/\.$/, ''));
  const bad = mx.find((m) => !MX_PATTERN.test(m));
  if (bad !== undefined) throw new Error(`mtaSts.mx: "${bad}" is not a host name or *.domain pattern`);
  if (p.mode !== 'none' && mx.length === 0) throw new Error('mtaSts.mx must name at least one MX host');
  if (!Number.isInteger(p.maxAgeSeconds) || p.maxAgeSeconds < 0 || p.maxAgeSeconds > MTA_STS_MAX_AGE) {
    throw new Error(`mtaSts.maxAgeSeconds must be a whole number from 0 to ${MTA_STS_MAX_AGE}`);
  }
  return { mode: p.mode as MtaStsMode, mx, maxAgeSeconds: p.maxAgeSeconds };
}

export function mtaStsPolicyText(p: MtaStsPolicy): string {
  const lines = [
    'version: STSv1',
    `mode: ${p.mode}`,
    ...p.mx.map((m) => `mx: ${m}`),
    `max_age: ${p.maxAgeSeconds}`,
  ];
  return lines.map((l) => l + '\r\n').join('');
}
