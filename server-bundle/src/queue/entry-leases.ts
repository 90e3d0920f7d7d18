// Leases on outbound queue entries, so several outbound processes (or hosts) sharing one queue
// never deliver the same entry at the same time. A lease is a Redis key set with NX and a time to
// live (`outbound.lease.ttlMs`), renewed every `renewEveryMs` while the delivery runs and deleted
// when it ends. Its value names the holder, so only the holder renews or releases it.
// A holder that dies (SIGKILL, host lost) keeps its entries leased until the TTL runs out; then
// another process takes them: at-least-once, never twice at the same time while leases hold.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from '../log/logger.ts';
import type { RedisConnection } from '../storage/redis-adapter.ts';
import { acquireLease, releaseLease, renewLease } from '../storage/redis-lease.ts';

export interface LeaseSettings {
  /** How long a lease lasts without renewal (the wait after a holder crashed). */
  ttlMs: number;
  /** Renewal period while the holder works; shorter than ttlMs. */
  renewEveryMs: number;
}

export interface EntryLease {
  readonly id: string;
  /** True once a renewal found the lease gone or taken over (the holder stalled past the TTL). */
  readonly lost: boolean;
  release(): Promise<void>;
}

const leaseKey = (id: string) => `outbound:lease:${id}`;

export class EntryLeases {
  readonly #redis: RedisConnection;
  readonly #s: LeaseSettings;
  readonly #log: Logger;
  readonly #holder: string;
  #next = 0;

  constructor(redis: RedisConnection, s: LeaseSettings, log: Logger) {
    if (!(s.ttlMs > 0) || !(s.renewEveryMs > 0) || s.renewEveryMs >= s.ttlMs)
      throw new Error(
        'outbound.lease.renewEveryMs must be more than 0 and shorter than outbound.lease.ttlMs',
      );
    this.#redis = redis;
    this.#s = s;
    this.#log = log;
    this.#holder = `${hostname()}:${process.pid}:${randomBytes(6).toString('hex')}`;
  }

  /**
   * Takes the entry's lease: undefined when another process holds it. Throws when Redis cannot
   * answer (the caller must then not deliver: it cannot know that nobody else does).
   */
  async acquire(id: string): Promise<EntryLease | undefined> {
    const holder = `${this.#holder}:${(this.#next++).toString(36)}`;
    const key = leaseKey(id);
    const ttl = this.#s.ttlMs;
    if (!(await acquireLease(this.#redis, key, holder, ttl))) return undefined;
    let lost = false;
    let released = false;
    const timer = setInterval(() => {
      renewLease(this.#redis, key, holder, ttl).then(
        (ours) => {
          if (ours || released) return;
          lost = true;
          clearInterval(timer);
          this.#log.warn('outbound.lease_lost', {
            id,
            reason: 'this delivery ran past its lease (the process stalled longer than outbound.lease.ttlMs)',
          });
        },
        (err: unknown) => this.#log.warn('outbound.lease_renew_failed', { id, err }),
      );
    }, this.#s.renewEveryMs);
    timer.unref();
    return {
      id,
      get lost() {
        return lost;
      },
      release: async () => {
        if (released) return;
        released = true;
        clearInterval(timer);
        // A release that fails (Redis down) leaves the lease to expire on its own.
        await releaseLease(this.#redis, key, holder).catch((err: unknown) => {
          this.#log.warn('outbound.lease_release_failed', { id, err });
        });
      },
    };
  }
}
