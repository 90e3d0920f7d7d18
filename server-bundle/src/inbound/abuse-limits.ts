// Counters the MX and submission roles share through Redis: messages per client address per
// window, greylisting triplets, and per-user sending limits. Open connections per address are
// counted in the MX process itself (a connection lives in one process). Redis down: every check
// fails open with a warning (mail keeps flowing; the limits are protection, not correctness).
import type { Logger } from '../log/logger.ts';
import { defineScript, type RedisConnection } from '../storage/redis-adapter.ts';

// KEYS[1]: counter. ARGV: window ms. Returns the count after this increment.
const HIT = defineScript(`
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
`);

// KEYS[1]: triplet. ARGV: now, delay, retry window, pass ttl.
// Returns 1 when the triplet may pass, 0 when it must wait.
const GREY = defineScript(`
local v = redis.call('GET', KEYS[1])
local now = tonumber(ARGV[1])
if not v then
  redis.call('SET', KEYS[1], 'seen:' .. ARGV[1], 'PX', ARGV[3])
  return 0
end
if v == 'pass' then
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  return 1
end
local first = tonumber(string.sub(v, 6))
if now - first >= tonumber(ARGV[2]) then
  redis.call('SET', KEYS[1], 'pass', 'PX', ARGV[4])
  return 1
end
return 0
`);

const client24 = (ip: string): string => {
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(v4)) return v4.split('.').slice(0, 3).join('.');
  return ip.split(':').slice(0, 4).join(':'); // IPv6 /64
};

export class AbuseLimits {
  readonly #redis: RedisConnection;
  readonly #log: Logger;
  readonly #open = new Map<string, number>();

  constructor(redis: RedisConnection, log: Logger) {
    this.#redis = redis;
    this.#log = log;
  }

  /** Counts a new connection; false when the address already has `max` open here. */
  connectionOpened(ip: string, max: number): boolean {
    const n = (this.#open.get(ip) ?? 0) + 1;
    if (max > 0 && n > max) return false;
    this.#open.set(ip, n);
    return true;
  }

  connectionClosed(ip: string): void {
    const n = (this.#open.get(ip) ?? 0) - 1;
    if (n <= 0) this.#open.delete(ip);
    else this.#open.set(ip, n);
  }

  /** Counts one event under `key`; true while within `max` per `windowMs` (0 = unlimited). */
  async within(key: string, max: number, windowMs: number): Promise<boolean> {
    if (max <= 0) return true;
    try {
      const n = Number(await this.#redis.runScript(HIT, [key], [Math.max(1, Math.round(windowMs))]));
      return n <= max;
    } catch (err) {
      this.#log.warn('limits.redis_unavailable', { err });
      return true;
    }
  }

  messageFromClient(ip: string, max: number, windowMs: number): Promise<boolean> {
    return this.within(`limits:ip:${client24(ip)}:${ip}`, max, windowMs);
  }

  /** Per-user sending limits: one hit per message; false when either limit is exceeded. */
  async userMessage(mailboxId: string, perHour: number, perDay: number): Promise<'ok' | 'hour' | 'day'> {
    if (!(await this.within(`limits:user:${mailboxId}:h`, perHour, 3_600_000))) return 'hour';
    if (!(await this.within(`limits:user:${mailboxId}:d`, perDay, 86_400_000))) return 'day';
    return 'ok';
  }

  /** Greylisting: true when (client /24, sender, recipient) waited long enough (or passed before). */
  async greylistPasses(
    ip: string,
    sender: string,
    rcpt: string,
    s: { delayMs: number; retryWindowMs: number; passTtlMs: number },
  ): Promise<boolean> {
    try {
      const key = `grey:${client24(ip)}:${sender.toLowerCase()}:${rcpt.toLowerCase()}`;
      return (
        Number(
          await this.#redis.runScript(GREY, [key], [Date.now(), s.delayMs, s.retryWindowMs, s.passTtlMs]),
        ) === 1
      );
    } catch (err) {
      this.#log.warn('greylist.redis_unavailable', { err });
      return true;
    }
  }
}
