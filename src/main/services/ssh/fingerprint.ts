import { createHash } from 'node:crypto';

/** OpenSSH-style fingerprint of a raw public key blob: "SHA256:" + unpadded base64. */
export function fingerprintOf(rawKey: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(rawKey).digest('base64').replace(/=+$/, '');
}

/** The algorithm name at the start of an SSH public key blob (e.g. "ssh-ed25519"). */
export function algorithmOf(rawKey: Buffer): string {
  if (rawKey.length < 4) return 'unknown';
  const len = rawKey.readUInt32BE(0);
  if (len > 64 || 4 + len > rawKey.length) return 'unknown';
  return rawKey.subarray(4, 4 + len).toString('ascii');
}
