// ChaCha20-Poly1305 (RFC 8439) through Node's OpenSSL binding.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export const KEY_BYTES = 32;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;

export class DecryptionError extends Error {
  constructor(message = 'decryption failed: wrong key or corrupted data') {
    super(message);
    this.name = 'DecryptionError';
  }
}

export function aeadEncrypt(
  key: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  aad?: Uint8Array,
): Buffer {
  const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG_BYTES });
  if (aad) c.setAAD(aad, { plaintextLength: plaintext.length });
  const body = c.update(plaintext);
  c.final();
  return Buffer.concat([body, c.getAuthTag()]);
}

/** `sealed` is ciphertext || tag. Throws DecryptionError when authentication fails. */
export function aeadDecrypt(
  key: Uint8Array,
  nonce: Uint8Array,
  sealed: Uint8Array,
  aad?: Uint8Array,
): Buffer {
  if (sealed.length < TAG_BYTES) throw new DecryptionError('ciphertext too short');
  const split = sealed.length - TAG_BYTES;
  const d = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG_BYTES });
  d.setAuthTag(sealed.subarray(split));
  if (aad) d.setAAD(aad, { plaintextLength: split });
  const body = d.update(sealed.subarray(0, split));
  try {
    d.final();
  } catch {
    body.fill(0);
    throw new DecryptionError();
  }
  return body;
}

/** Random nonce || ciphertext || tag, for one-shot secrets under a key used many times. */
export function aeadSealRandomNonce(key: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  return Buffer.concat([nonce, aeadEncrypt(key, nonce, plaintext, aad)]);
}

export function aeadOpenRandomNonce(key: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Buffer {
  if (sealed.length < NONCE_BYTES + TAG_BYTES) throw new DecryptionError('ciphertext too short');
  return aeadDecrypt(key, sealed.subarray(0, NONCE_BYTES), sealed.subarray(NONCE_BYTES), aad);
}
