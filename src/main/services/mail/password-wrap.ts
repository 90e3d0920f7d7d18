/**
 * Wraps a mailbox key K under a password exactly as the server bundle does
 * (server-bundle/src/crypto/key-wraps.ts + password-kdf.ts): argon2id (m = 46 MiB, t = 2, p = 1,
 * 16-byte salt, 32-byte key; the password NFC-normalized, UTF-8) then ChaCha20-Poly1305 with a
 * random 12-byte nonce, `ct` = base64(nonce || ciphertext || tag), bound by the AAD to mailbox id,
 * kind, wrap id and the KDF parameters. Node 20 and Electron have no argon2: hash-wasm computes it
 * (through crypto/argon2id.ts).
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { argon2id } from '../crypto/argon2id';

/** The server's DEFAULT_KDF_COST: the same cost as a password set on the server. */
export const KDF_COST = { memory: 47104, passes: 2, parallelism: 1 } as const;
const SALT_BYTES = 16;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export interface PasswordWrap {
  v: 1;
  kind: 'password' | 'app-password';
  kdf: { alg: 'argon2id'; memory: number; passes: number; parallelism: number; salt: string };
  ct: string;
}

export async function wrapUnderPassword(
  mailboxKey: Buffer,
  password: string,
  at: { mailboxId: string; wrapId: string; kind: PasswordWrap['kind'] },
): Promise<PasswordWrap> {
  const kdf = { alg: 'argon2id' as const, ...KDF_COST, salt: randomBytes(SALT_BYTES).toString('base64') };
  const kek = await argon2id(
    Buffer.from(password.normalize('NFC'), 'utf8'),
    Buffer.from(kdf.salt, 'base64'),
    KDF_COST,
    32,
  );
  try {
    const aad = Buffer.from(
      `facteur/key-wrap/v1|${at.kind}|${at.mailboxId}|${at.wrapId}|` +
        `${kdf.alg}:${kdf.memory}:${kdf.passes}:${kdf.parallelism}:${kdf.salt}`,
    );
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('chacha20-poly1305', kek, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad, { plaintextLength: mailboxKey.length });
    const sealed = Buffer.concat([nonce, cipher.update(mailboxKey), cipher.final(), cipher.getAuthTag()]);
    return { v: 1, kind: at.kind, kdf, ct: sealed.toString('base64') };
  } finally {
    kek.fill(0);
  }
}
