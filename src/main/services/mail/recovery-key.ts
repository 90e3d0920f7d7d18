/**
 * The owner's recovery key: a hybrid X25519 + ML-KEM-768 key pair in the server bundle's format
 * (server-bundle/src/crypto/hybrid-kem.ts), made and kept on the desktop. Every mailbox's key K is
 * also sealed to its public half, so the owner can reset a password without losing mail; its
 * private half never leaves the desktop vault.
 *
 * Electron's and the machine's Node have no ML-KEM yet: @noble/post-quantum does that part, over
 * the same 64-byte FIPS 203 seed Node 24's `raw-seed` import takes (checked against the server's
 * code in tests/integration/mail-service.test.ts). X25519, HKDF and ChaCha20-Poly1305 are node:crypto.
 */
import {
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  hkdfSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';

const SUITE_X25519_MLKEM768 = 0x01;
const SEED_BYTES = 32;
const X25519_BYTES = 32;
const MLKEM768_PUBLIC_BYTES = 1184;
const MLKEM768_CIPHERTEXT_BYTES = 1088;
const KEY_ID_BYTES = 16;
/** suite || X25519 public key || ML-KEM-768 public key */
export const RECOVERY_PUBLIC_KEY_BYTES = 1 + X25519_BYTES + MLKEM768_PUBLIC_BYTES;
/** suite || 32-byte seed (both component keys derive from it) */
export const RECOVERY_PRIVATE_KEY_BYTES = 1 + SEED_BYTES;

/** PKCS#8 DER prefix of a raw X25519 private key (RFC 8410), for node:crypto on Node 20. */
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

export class RecoveryKeyError extends Error {
  override name = 'RecoveryKeyError';
}

export interface RecoveryKey {
  /** suite || seed: what the vault keeps. */
  privateBytes: Buffer;
  /** What the server receives (POST /v1/mailboxes recoveryPublicKey). */
  publicBytes: Buffer;
  /** SHA-256(publicBytes)[0..16]: sealed boxes name their recipient with it. */
  keyId: Buffer;
  x25519: KeyObject;
  mlkemSecretKey: Uint8Array;
}

/** Deterministic, exactly as the server's privateKeyFromSeed (HKDF expands the seed into both keys). */
export function recoveryKeyFromSeed(seed: Uint8Array): RecoveryKey {
  if (seed.length !== SEED_BYTES) throw new RecoveryKeyError('a recovery key seed is 32 bytes');
  const expanded = Buffer.from(
    hkdfSync('sha256', seed, Buffer.alloc(0), 'facteur/hybrid-kem/v1/keygen', X25519_BYTES + 64),
  );
  try {
    const x25519 = createPrivateKey({
      key: Buffer.concat([X25519_PKCS8_PREFIX, expanded.subarray(0, X25519_BYTES)]),
      format: 'der',
      type: 'pkcs8',
    });
    const x25519Public = createPublicKey(x25519)
      .export({ format: 'der', type: 'spki' })
      .subarray(-X25519_BYTES);
    const mlkem = ml_kem768.keygen(expanded.subarray(X25519_BYTES));
    const publicBytes = Buffer.concat([
      Buffer.of(SUITE_X25519_MLKEM768),
      x25519Public,
      Buffer.from(mlkem.publicKey),
    ]);
    return {
      privateBytes: Buffer.concat([Buffer.of(SUITE_X25519_MLKEM768), seed]),
      publicBytes,
      keyId: keyIdOf(publicBytes),
      x25519,
      mlkemSecretKey: mlkem.secretKey,
    };
  } finally {
    expanded.fill(0);
  }
}

export function generateRecoveryKey(): RecoveryKey {
  const seed = randomBytes(SEED_BYTES);
  try {
    return recoveryKeyFromSeed(seed);
  } finally {
    seed.fill(0);
  }
}

export function parseRecoveryPrivateKey(bytes: Uint8Array): RecoveryKey {
  if (bytes.length !== RECOVERY_PRIVATE_KEY_BYTES || bytes[0] !== SUITE_X25519_MLKEM768)
    throw new RecoveryKeyError('not a hybrid X25519 + ML-KEM-768 private key');
  return recoveryKeyFromSeed(bytes.subarray(1));
}

function keyIdOf(publicBytes: Buffer): Buffer {
  return createHash('sha256').update(publicBytes).digest().subarray(0, KEY_ID_BYTES);
}

// Sealed box v1 (server-bundle/src/crypto/sealed-box.ts): header then ChaCha20-Poly1305 chunks.
const MAGIC = Buffer.from('FCSB');
const HEADER_BYTES = 4 + 4 + KEY_ID_BYTES + X25519_BYTES + MLKEM768_CIPHERTEXT_BYTES;
const TAG_BYTES = 16;

function chunkNonce(counter: number, final: boolean): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeBigUInt64BE(BigInt(counter), 3);
  nonce[11] = final ? 1 : 0;
  return nonce;
}

/** Opens a sealed box addressed to `key`; `context` must be the one it was sealed with. */
export function openSealedBox(key: RecoveryKey, sealed: Uint8Array, context: string): Buffer {
  const box = Buffer.from(sealed);
  if (box.length < HEADER_BYTES + TAG_BYTES) throw new RecoveryKeyError('sealed data truncated');
  const header = box.subarray(0, HEADER_BYTES);
  if (!header.subarray(0, 4).equals(MAGIC) || header[4] !== 1 || header[5] !== SUITE_X25519_MLKEM768)
    throw new RecoveryKeyError('not a Facteur sealed box (version 1, X25519 + ML-KEM-768)');
  const chunkLog2 = header[6]!;
  if (chunkLog2 < 10 || chunkLog2 > 24 || header[7] !== 0)
    throw new RecoveryKeyError('bad sealed box parameters');
  if (!header.subarray(8, 8 + KEY_ID_BYTES).equals(key.keyId))
    throw new RecoveryKeyError('sealed to another recovery key');

  const ephemeralAt = 8 + KEY_ID_BYTES;
  const ephemeral = createPublicKey({
    key: Buffer.concat([
      Buffer.from('302a300506032b656e032100', 'hex'), // SPKI prefix of a raw X25519 public key
      header.subarray(ephemeralAt, ephemeralAt + X25519_BYTES),
    ]),
    format: 'der',
    type: 'spki',
  });
  const sharedX25519 = diffieHellman({ privateKey: key.x25519, publicKey: ephemeral });
  const sharedMlkem = Buffer.from(
    ml_kem768.decapsulate(header.subarray(ephemeralAt + X25519_BYTES), key.mlkemSecretKey),
  );
  // HKDF over both secrets; the salt binds the whole header and the recipient's public key.
  const salt = createHash('sha256').update(header).update(key.publicBytes).digest();
  const ikm = Buffer.concat([sharedMlkem, sharedX25519]);
  const aeadKey = Buffer.from(hkdfSync('sha256', ikm, salt, `facteur/hybrid-kem/v1|${context}`, 32));
  ikm.fill(0);
  sharedMlkem.fill(0);
  sharedX25519.fill(0);

  try {
    const chunkSealed = (1 << chunkLog2) + TAG_BYTES;
    const out: Buffer[] = [];
    let offset = HEADER_BYTES;
    for (let counter = 0; ; counter++) {
      const final = box.length - offset <= chunkSealed;
      const chunk = box.subarray(offset, final ? box.length : offset + chunkSealed);
      out.push(decryptChunk(aeadKey, chunkNonce(counter, final), chunk));
      if (final) return Buffer.concat(out);
      offset += chunkSealed;
    }
  } finally {
    aeadKey.fill(0);
  }
}

function decryptChunk(key: Buffer, nonce: Buffer, chunk: Buffer): Buffer {
  if (chunk.length < TAG_BYTES) throw new RecoveryKeyError('sealed data truncated');
  const body = chunk.subarray(0, chunk.length - TAG_BYTES);
  const decipher = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG_BYTES });
  decipher.setAuthTag(chunk.subarray(chunk.length - TAG_BYTES));
  const plain = decipher.update(body);
  try {
    decipher.final();
  } catch {
    plain.fill(0);
    throw new RecoveryKeyError('the sealed data does not open with this recovery key');
  }
  return plain;
}

/** The server's recovery wrap of a mailbox key (GET /v1/mailboxes/:m/recovery-wrap). */
export interface RecoveryWrap {
  v: 1;
  kind: 'recovery';
  sealed: string;
}

/** K of a mailbox, from its recovery wrap (bound to mailbox id and wrap id, as key-wraps.ts binds it). */
export function openRecoveryWrap(
  key: RecoveryKey,
  wrap: RecoveryWrap,
  at: { mailboxId: string; wrapId: string },
): Buffer {
  if (wrap.v !== 1 || wrap.kind !== 'recovery') throw new RecoveryKeyError('unknown recovery wrap format');
  const context = `facteur/key-wrap/v1|recovery|${at.mailboxId}|${at.wrapId}|`;
  const mailboxKey = openSealedBox(key, Buffer.from(wrap.sealed, 'base64'), context);
  if (mailboxKey.length !== 32) throw new RecoveryKeyError('the recovery wrap holds no mailbox key');
  return mailboxKey;
}
