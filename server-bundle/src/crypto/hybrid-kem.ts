// Hybrid KEM: X25519 + ML-KEM-768 (FIPS 203), both secrets combined with HKDF-SHA256.
// The mail stays confidential if either primitive holds: X25519 against today's attackers,
// ML-KEM against a future quantum computer recording traffic and disks now.
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  decapsulate,
  diffieHellman,
  encapsulate,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';

/** Suite id written into every key and ciphertext header, so a future suite can coexist. */
export const SUITE_X25519_MLKEM768 = 0x01;
const X25519_PUB = 32;
const MLKEM768_PUB = 1184;
export const MLKEM768_CT = 1088;
export const EPHEMERAL_PUB = X25519_PUB;
export const PUBLIC_KEY_BYTES = 1 + X25519_PUB + MLKEM768_PUB;
/** A private key is a 32-byte seed: both component keys are derived from it (as in X-Wing). */
export const PRIVATE_SEED_BYTES = 32;
export const PRIVATE_KEY_BYTES = 1 + PRIVATE_SEED_BYTES;
export const KEY_ID_BYTES = 16;

export interface HybridPublicKey {
  readonly bytes: Buffer; // suite || x25519 pub || ml-kem pub
  readonly id: Buffer; // SHA-256(bytes)[0..16]: names the key in headers
  readonly x25519: KeyObject;
  readonly mlkem: KeyObject;
}

export interface HybridPrivateKey {
  readonly bytes: Buffer; // suite || seed
  readonly publicKey: HybridPublicKey;
  readonly x25519: KeyObject;
  readonly mlkem: KeyObject;
}

export class KeyFormatError extends Error {
  override name = 'KeyFormatError';
}

function keyId(bytes: Buffer): Buffer {
  return createHash('sha256').update(bytes).digest().subarray(0, KEY_ID_BYTES);
}

function rawPublic(k: KeyObject): Buffer {
  return k.export({ format: 'raw-public' });
}

export function parsePublicKey(bytes: Uint8Array): HybridPublicKey {
  const b = Buffer.from(bytes);
  if (b.length !== PUBLIC_KEY_BYTES || b[0] !== SUITE_X25519_MLKEM768) {
    throw new KeyFormatError('not a hybrid X25519+ML-KEM-768 public key');
  }
  const x25519 = createPublicKey({
    key: b.subarray(1, 1 + X25519_PUB),
    format: 'raw-public',
    asymmetricKeyType: 'x25519',
  });
  const mlkem = createPublicKey({
    key: b.subarray(1 + X25519_PUB),
    format: 'raw-public',
    asymmetricKeyType: 'ml-kem-768',
  });
  return { bytes: b, id: keyId(b), x25519, mlkem };
}

/** Deterministic: the same seed always yields the same key pair. */
export function privateKeyFromSeed(seed: Uint8Array): HybridPrivateKey {
  if (seed.length !== PRIVATE_SEED_BYTES) throw new KeyFormatError('hybrid seed must be 32 bytes');
  const expanded = Buffer.from(
    hkdfSync('sha256', seed, Buffer.alloc(0), 'facteur/hybrid-kem/v1/keygen', 32 + 64),
  );
  const x25519 = createPrivateKey({
    key: expanded.subarray(0, 32),
    format: 'raw-private',
    asymmetricKeyType: 'x25519',
  });
  const mlkem = createPrivateKey({
    key: expanded.subarray(32),
    format: 'raw-seed',
    asymmetricKeyType: 'ml-kem-768',
  });
  expanded.fill(0);
  const pubBytes = Buffer.concat([
    Buffer.of(SUITE_X25519_MLKEM768),
    rawPublic(createPublicKey(x25519)),
    rawPublic(createPublicKey(mlkem)),
  ]);
  return {
    bytes: Buffer.concat([Buffer.of(SUITE_X25519_MLKEM768), seed]),
    publicKey: parsePublicKey(pubBytes),
    x25519,
    mlkem,
  };
}

export function parsePrivateKey(bytes: Uint8Array): HybridPrivateKey {
  if (bytes.length !== PRIVATE_KEY_BYTES || bytes[0] !== SUITE_X25519_MLKEM768) {
    throw new KeyFormatError('not a hybrid X25519+ML-KEM-768 private key');
  }
  return privateKeyFromSeed(bytes.subarray(1));
}

export function generateKeyPair(): HybridPrivateKey {
  const seed = randomBytes(PRIVATE_SEED_BYTES);
  try {
    return privateKeyFromSeed(seed);
  } finally {
    seed.fill(0);
  }
}

export interface Encapsulation {
  ephemeral: Buffer; // X25519 ephemeral public key (32)
  mlkemCiphertext: Buffer; // 1088
  sharedX25519: Buffer;
  sharedMlkem: Buffer;
}

export function encapsulateTo(pub: HybridPublicKey): Encapsulation {
  const eph = generateKeyPairSync('x25519');
  const sharedX25519 = diffieHellman({ privateKey: eph.privateKey, publicKey: pub.x25519 });
  const { sharedKey, ciphertext } = encapsulate(pub.mlkem);
  return {
    ephemeral: rawPublic(eph.publicKey),
    mlkemCiphertext: ciphertext,
    sharedX25519,
    sharedMlkem: sharedKey,
  };
}

export function decapsulateWith(
  priv: HybridPrivateKey,
  ephemeral: Uint8Array,
  mlkemCiphertext: Uint8Array,
): { sharedX25519: Buffer; sharedMlkem: Buffer } {
  const ephKey = createPublicKey({
    key: Buffer.from(ephemeral),
    format: 'raw-public',
    asymmetricKeyType: 'x25519',
  });
  const sharedX25519 = diffieHellman({ privateKey: priv.x25519, publicKey: ephKey });
  const sharedMlkem = decapsulate(priv.mlkem, Buffer.from(mlkemCiphertext));
  return { sharedX25519, sharedMlkem };
}

/**
 * Combine both shared secrets into one 256-bit key. The salt binds the full ciphertext header
 * (ephemeral key, ML-KEM ciphertext, format fields) and the recipient's public keys, so no part
 * can be swapped or replayed against another recipient; `info` binds the caller's context.
 */
export function combineSecrets(
  shared: { sharedX25519: Buffer; sharedMlkem: Buffer },
  header: Uint8Array,
  pub: HybridPublicKey,
  context: string,
): Buffer {
  const salt = createHash('sha256').update(header).update(pub.bytes).digest();
  const ikm = Buffer.concat([shared.sharedMlkem, shared.sharedX25519]);
  const key = Buffer.from(hkdfSync('sha256', ikm, salt, `facteur/hybrid-kem/v1|${context}`, 32));
  ikm.fill(0);
  return key;
}
