// Wrapped copies of a mailbox master key K. K itself never reaches disk in clear; each wrap
// opens it with one secret (the password, an app password, the owner's recovery key).
// Wraps are stored as versioned JSON, bound (AAD / KEM context) to mailbox id, kind and wrap id,
// so a wrap copied to another mailbox or relabelled fails to open.
import { randomBytes } from 'node:crypto';
import { aeadOpenRandomNonce, aeadSealRandomNonce, DecryptionError } from './aead.ts';
import type { HybridPrivateKey, HybridPublicKey } from './hybrid-kem.ts';
import { derivePasswordKey, newKdfParams, type KdfParams } from './password-kdf.ts';
import { open, seal } from './sealed-box.ts';

export const MASTER_KEY_BYTES = 32;
export type WrapKind = 'password' | 'app-password' | 'recovery';

export interface PasswordWrap {
  v: 1;
  kind: 'password' | 'app-password';
  kdf: KdfParams;
  /** base64(nonce || ChaCha20-Poly1305(K) || tag) */
  ct: string;
}
export interface RecoveryWrap {
  v: 1;
  kind: 'recovery';
  /** base64 of a sealed box (see sealed-box.ts) holding K */
  sealed: string;
}
export type KeyWrap = PasswordWrap | RecoveryWrap;

/** Thrown when the secret does not open the wrap: the caller reports "wrong password". */
export class WrongSecretError extends Error {
  override name = 'WrongSecretError';
}

export function newMasterKey(): Buffer {
  return randomBytes(MASTER_KEY_BYTES);
}

function binding(mailboxId: string, kind: WrapKind, wrapId: string, extra = ''): string {
  return `facteur/key-wrap/v1|${kind}|${mailboxId}|${wrapId}|${extra}`;
}

function kdfBinding(p: KdfParams): string {
  return `${p.alg}:${p.memory}:${p.passes}:${p.parallelism}:${p.salt}`;
}

export async function wrapWithPassword(
  key: Buffer,
  password: string,
  at: { mailboxId: string; wrapId: string; kind?: 'password' | 'app-password' },
  kdf: KdfParams = newKdfParams(),
): Promise<PasswordWrap> {
  const kind = at.kind ?? 'password';
  const kek = await derivePasswordKey(password, kdf, { allowWeak: true });
  try {
    const aad = Buffer.from(binding(at.mailboxId, kind, at.wrapId, kdfBinding(kdf)));
    return { v: 1, kind, kdf, ct: aeadSealRandomNonce(kek, key, aad).toString('base64') };
  } finally {
    kek.fill(0);
  }
}

export async function unwrapWithPassword(
  wrap: PasswordWrap,
  password: string,
  at: { mailboxId: string; wrapId: string },
): Promise<Buffer> {
  if (wrap.v !== 1) throw new Error(`unsupported key wrap version ${String(wrap.v)}`);
  const kek = await derivePasswordKey(password, wrap.kdf, { allowWeak: true });
  try {
    const aad = Buffer.from(binding(at.mailboxId, wrap.kind, at.wrapId, kdfBinding(wrap.kdf)));
    return aeadOpenRandomNonce(kek, Buffer.from(wrap.ct, 'base64'), aad);
  } catch (err) {
    if (err instanceof DecryptionError) throw new WrongSecretError('wrong password');
    throw err;
  } finally {
    kek.fill(0);
  }
}

export function wrapWithRecoveryKey(
  key: Buffer,
  recovery: HybridPublicKey,
  at: { mailboxId: string; wrapId: string },
): RecoveryWrap {
  const sealed = seal(recovery, key, { context: binding(at.mailboxId, 'recovery', at.wrapId) });
  return { v: 1, kind: 'recovery', sealed: sealed.toString('base64') };
}

export function unwrapWithRecoveryKey(
  wrap: RecoveryWrap,
  recovery: HybridPrivateKey,
  at: { mailboxId: string; wrapId: string },
): Buffer {
  if (wrap.v !== 1) throw new Error(`unsupported key wrap version ${String(wrap.v)}`);
  try {
    const key = open(recovery, Buffer.from(wrap.sealed, 'base64'), {
      context: binding(at.mailboxId, 'recovery', at.wrapId),
    });
    if (key.length !== MASTER_KEY_BYTES) throw new WrongSecretError('recovery wrap holds no master key');
    return key;
  } catch (err) {
    if (err instanceof DecryptionError) throw new WrongSecretError('wrong recovery key');
    throw err;
  }
}

export function parseKeyWrap(json: string): KeyWrap {
  const w = JSON.parse(json) as KeyWrap;
  if (w.v !== 1 || !['password', 'app-password', 'recovery'].includes(w.kind))
    throw new Error('unknown key wrap format');
  return w;
}
