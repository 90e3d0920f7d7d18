// Short-lived, memory-only cache of unwrapped mailbox keys, so a client that logs in every few
// seconds (IMAP clients open several connections) does not pay the password KDF each time.
// An entry is found only with the same password: we keep a keyed hash of it, never the password.
// Each entry names the wrap that opened it (a tag the caller checks against the config DB), so a
// wrap revoked or replaced by another process stops the cached login at once.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

interface Entry {
  verifier: Buffer;
  key: Buffer;
  tag: string;
  expiresAt: number;
}

export interface CachedLogin {
  key: Buffer;
  /** What the caller passed to set(): which wrap, in which version, opened the key. */
  tag: string;
}

export interface LoginCacheOptions {
  ttlMs: number;
  maxEntries?: number;
  now?: () => number;
}

export class LoginCache {
  readonly #entries = new Map<string, Entry>();
  readonly #secret = randomBytes(32); // per process: verifiers are useless elsewhere
  readonly #ttl: number;
  readonly #max: number;
  readonly #now: () => number;

  constructor(opts: LoginCacheOptions) {
    this.#ttl = opts.ttlMs;
    this.#max = opts.maxEntries ?? 10_000;
    this.#now = opts.now ?? Date.now;
  }

  #verifier(mailboxId: string, secret: string): Buffer {
    return createHmac('sha256', this.#secret).update(mailboxId).update('\0').update(secret).digest();
  }

  /** A copy of the cached key and its tag, or undefined (missing, expired, or another password). */
  get(mailboxId: string, secret: string): CachedLogin | undefined {
    const e = this.#entries.get(mailboxId);
    if (!e) return undefined;
    if (e.expiresAt <= this.#now()) {
      this.#drop(mailboxId, e);
      return undefined;
    }
    if (!timingSafeEqual(e.verifier, this.#verifier(mailboxId, secret))) return undefined;
    return { key: Buffer.from(e.key), tag: e.tag };
  }

  set(mailboxId: string, secret: string, key: Buffer, tag = ''): void {
    if (this.#ttl <= 0) return;
    const old = this.#entries.get(mailboxId);
    if (old) this.#drop(mailboxId, old);
    if (this.#entries.size >= this.#max) this.sweep();
    if (this.#entries.size >= this.#max) {
      const [oldestId, oldest] = this.#entries.entries().next().value!;
      this.#drop(oldestId, oldest);
    }
    this.#entries.set(mailboxId, {
      verifier: this.#verifier(mailboxId, secret),
      key: Buffer.from(key),
      tag,
      expiresAt: this.#now() + this.#ttl,
    });
  }

  /** Call on password change or reset: the old password must stop working at once. */
  invalidate(mailboxId: string): void {
    const e = this.#entries.get(mailboxId);
    if (e) this.#drop(mailboxId, e);
  }

  sweep(): void {
    const now = this.#now();
    for (const [id, e] of this.#entries) if (e.expiresAt <= now) this.#drop(id, e);
  }

  clear(): void {
    for (const [id, e] of this.#entries) this.#drop(id, e);
  }

  get size(): number {
    return this.#entries.size;
  }

  #drop(id: string, e: Entry): void {
    e.key.fill(0);
    this.#entries.delete(id);
  }
}
