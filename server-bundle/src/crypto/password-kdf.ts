// Password -> 256-bit key with argon2id (RFC 9106). Parameters travel with every wrap so they
// can be raised later without breaking existing wraps.
import { argon2, randomBytes } from 'node:crypto';

export interface Argon2idParams {
  alg: 'argon2id';
  /** KiB of memory. */
  memory: number;
  passes: number;
  parallelism: number;
  /** base64 */
  salt: string;
}

export type KdfParams = Argon2idParams;

/**
 * OWASP's first argon2id recommendation is m=46 MiB, t=1, p=1; we take t=2, which costs about
 * 100 ms on one core here: slow enough against guessing, and the login cache absorbs repeats.
 */
export const DEFAULT_KDF_COST = { memory: 47104, passes: 2, parallelism: 1 } as const;
/** Floor below which stored parameters are refused (OWASP's minimum: m=19 MiB, t=2). */
const MIN_MEMORY = 19456;
const MIN_PASSES = 1;

export function newKdfParams(
  cost: { memory: number; passes: number; parallelism: number } = DEFAULT_KDF_COST,
): KdfParams {
  return { alg: 'argon2id', ...cost, salt: randomBytes(16).toString('base64') };
}

export function validateKdfParams(p: KdfParams, allowWeak = false): void {
  if (p.alg !== 'argon2id') throw new Error(`unsupported password KDF ${String(p.alg)}`);
  const salt = Buffer.from(p.salt, 'base64');
  if (salt.length < 16) throw new Error('password KDF salt too short');
  if (!allowWeak && (p.memory < MIN_MEMORY || p.passes < MIN_PASSES))
    throw new Error('password KDF parameters too weak');
  if (p.parallelism < 1 || p.parallelism > 16 || p.memory > 4 * 1024 * 1024 || p.passes > 100) {
    throw new Error('password KDF parameters out of range');
  }
}

/** Runs on libuv's thread pool: the event loop keeps serving other clients meanwhile. */
export async function derivePasswordKey(
  password: string,
  p: KdfParams,
  opts: { allowWeak?: boolean } = {},
): Promise<Buffer> {
  validateKdfParams(p, opts.allowWeak);
  return new Promise((resolve, reject) => {
    argon2(
      'argon2id',
      {
        message: Buffer.from(password.normalize('NFC'), 'utf8'),
        nonce: Buffer.from(p.salt, 'base64'),
        memory: p.memory,
        passes: p.passes,
        parallelism: p.parallelism,
        tagLength: 32,
      },
      (err, key) => (err ? reject(err) : resolve(Buffer.from(key))),
    );
  });
}
