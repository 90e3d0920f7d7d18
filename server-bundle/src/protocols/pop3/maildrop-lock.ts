// RFC 1939 §8: a POP3 session holds an exclusive lock on the maildrop; a second session gets
// -ERR [IN-USE]. The lock lives in this process and, when Redis is there, across processes
// (SET NX PX with a token; refreshed while held; released only by its owner).
import { randomBytes } from 'node:crypto';
import type { Logger } from '../../log/logger.ts';
import { defineScript, type RedisConnection } from '../../storage/redis-adapter.ts';

export type ReleaseLock = () => Promise<void>;

export interface MaildropLock {
  /** The release function, or undefined when another session holds the maildrop. */
  acquire(mailboxId: string): Promise<ReleaseLock | undefined>;
}

export class LocalMaildropLock implements MaildropLock {
  readonly #held = new Set<string>();

  async acquire(mailboxId: string): Promise<ReleaseLock | undefined> {
    if (this.#held.has(mailboxId)) return undefined;
    this.#held.add(mailboxId);
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      this.#held.delete(mailboxId);
    };
  }
}

// KEYS[1] lock; ARGV token, ttl ms
const ACQUIRE = defineScript(`return redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) and 1 or 0`);
const REFRESH = defineScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`);
const RELEASE = defineScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`);

export interface RedisMaildropLockOptions {
  /** Lock lifetime without refresh (a crashed process frees it after this). Default 2 min. */
  ttlMs?: number;
  keyPrefix?: string;
  log?: Logger;
}

export class RedisMaildropLock implements MaildropLock {
  readonly #redis: RedisConnection;
  readonly #local = new LocalMaildropLock();
  readonly #ttl: number;
  readonly #prefix: string;
  readonly #log: Logger | undefined;

  constructor(redis: RedisConnection, opts: RedisMaildropLockOptions = {}) {
    this.#redis = redis;
    this.#ttl = opts.ttlMs ?? 120_000;
    this.#prefix = opts.keyPrefix ?? 'pop3-lock:';
    this.#log = opts.log;
  }

  async acquire(mailboxId: string): Promise<ReleaseLock | undefined> {
    const local = await this.#local.acquire(mailboxId);
    if (!local) return undefined;
    const key = this.#prefix + mailboxId;
    const token = randomBytes(12).toString('hex');
    let got: boolean;
    try {
      got = Number(await this.#redis.runScript(ACQUIRE, [key], [token, this.#ttl])) === 1;
    } catch (err) {
      // Redis down: fall back to this process's lock rather than refusing every POP3 login.
      this.#log?.warn('pop3.lock_redis_unavailable', { err });
      return local;
    }
    if (!got) {
      await local();
      return undefined;
    }
    const timer = setInterval(
      () => {
        this.#redis
          .runScript(REFRESH, [key], [token, this.#ttl])
          .catch((err: unknown) => this.#log?.warn('pop3.lock_refresh_failed', { err }));
      },
      Math.max(1000, Math.floor(this.#ttl / 3)),
    );
    timer.unref();
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      clearInterval(timer);
      await this.#redis
        .runScript(RELEASE, [key], [token])
        .catch((err: unknown) => this.#log?.warn('pop3.lock_release_failed', { err }));
      await local();
    };
  }
}
