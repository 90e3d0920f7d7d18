// DKIM public keys as DNS TXT records (RFC 6376 §3.6.1, RFC 8463 for Ed25519).
//   rsa:     p = base64 of the SubjectPublicKeyInfo (DER)
//   ed25519: p = base64 of the raw 32-byte public key
import { createPublicKey, type KeyObject } from 'node:crypto';

export type DkimAlgorithm = 'rsa' | 'ed25519';

/** DER prefix of an Ed25519 SubjectPublicKeyInfo; the raw key follows (RFC 8410). */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export function dkimPublicKeyData(publicKey: KeyObject, algorithm: DkimAlgorithm): string {
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  if (algorithm === 'rsa') return spki.toString('base64');
  if (!spki.subarray(0, ED25519_SPKI_PREFIX.length).equals(ED25519_SPKI_PREFIX))
    throw new Error('not an Ed25519 key');
  return spki.subarray(ED25519_SPKI_PREFIX.length).toString('base64');
}

export function dkimTxtValue(algorithm: DkimAlgorithm, p: string): string {
  return `v=DKIM1; k=${algorithm}; p=${p}`;
}

export function dkimRecordName(selector: string, domain: string): string {
  return `${selector}._domainkey.${domain}`;
}

/** A TXT record holds strings of at most 255 bytes; an RSA-2048 value needs two. */
export function txtChunks(value: string, size = 255): string[] {
  const out: string[] = [];
  for (let i = 0; i < value.length; i += size) out.push(value.slice(i, i + size));
  return out;
}

/** The public key a verifier rebuilds from the TXT value (tests, and a later DNS check). */
export function publicKeyFromTxt(value: string): { algorithm: DkimAlgorithm; key: KeyObject } {
  const tags = new Map(
    value
      .split(';')
      .map((t) => t.trim())
      .filter(Boolean)
      .map(
        (t) => [t.slice(0, t.indexOf('=')).trim(), t.slice(t.indexOf('=') + 1).replace(/\s+/g, '')] as const,
      ),
  );
  const k = tags.get('k') ?? 'rsa';
  const p = Buffer.from(tags.get('p') ?? '', 'base64');
  if (tags.get('v') !== 'DKIM1' || !p.length) throw new Error('not a DKIM key record');
  if (k === 'rsa') return { algorithm: 'rsa', key: createPublicKey({ key: p, format: 'der', type: 'spki' }) };
  if (k === 'ed25519')
    return {
      algorithm: 'ed25519',
      key: createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, p]), format: 'der', type: 'spki' }),
    };
  throw new Error(`unknown DKIM key type ${k}`);
}
