// Failed logins rate-limited per client IP across every protocol (SMTP AUTH, IMAP LOGIN/AUTHENTICATE,
// POP3 USER/PASS/AUTH) together: all roles count into the same Redis keys.
//
// Rule: `maxFailures` failed logins from one IP within `windowMs` block that IP for `blockMs`.
// IPv6 clients are counted per prefix (/64 by default): one host owns a whole /64.
// Protocol usage:
//   const s = await throttle.check(ip); if (s.blocked) -> answer 421 / NO [UNAVAILABLE] / -ERR [LOGIN-DELAY]
//   login ok   -> await throttle.recordSuccess(ip)
//   login fail -> await throttle.recordFailure(ip)   (its result says whether this failure blocked)
// When Redis is unreachable the throttle fails open (logins still cost a full KDF) and logs it.
import { isIPv4, isIPv6 } from 'node:net';
import type { Logger } from '../log/logger.ts';
import { defineScript, type RedisConnection } from '../storage/redis-adapter.ts';

export interface LoginThrottleConfig {
  /** Failures within the window that trigger a block. Default 10. */
  maxFailures?: number;
  /** Counting window, ms. Default 15 min. */
  windowMs?: number;
  /** How long a blocked IP is refused, ms. Default 15 min. */
  blockMs?: number;
  /** IPv6 prefix length counted as one client. Default 64. */
  ipv6PrefixLength?: number;
  /** Client IPs (exact, after normalization) never throttled, e.g. a trusted webmail proxy. */
  exempt?: readonly string[];
  /** Key namespace inside Redis. Default 'login-throttle:'. */
  keyPrefix?: string;
}

export interface ThrottleStatus {
  blocked: boolean;
  /** ms until the block ends; 0 when not blocked */
  retryAfterMs: number;
}

export interface FailureStatus extends ThrottleStatus {
  /** failures counted in the current window (0 once a block started) */
  failures: number;
}

export interface LoginThrottle {
  check(ip: string): Promise<ThrottleStatus>;
  /** check() that throws LoginThrottledError when blocked. */
  assertAllowed(ip: string): Promise<void>;
  recordFailure(ip: string): Promise<FailureStatus>;
  recordSuccess(ip: string): Promise<void>;
}

export class LoginThrottledError extends Error {
  override name = 'LoginThrottledError';
  readonly retryAfterMs: number;
  constructor(retryAfterMs: number) {
    super(`too many failed logins from this address; retry in ${Math.ceil(retryAfterMs / 1000)} s`);
    this.retryAfterMs = retryAfterMs;
  }
}

export const DEFAULT_THROTTLE = {
  maxFailures: 10,
  windowMs: 15 * 60_000,
  blockMs: 15 * 60_000,
  ipv6PrefixLength: 64,
} as const;

function expandIPv6(ip: string): number[] | undefined {
  let s = ip.split('%')[0]!; // zone id
  // Trailing dotted IPv4 (::ffff:1.2.3.4, 64:ff9b::1.2.3.4)
  const v4 = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const o = v4[2]!.split('.').map(Number);
    s = `${v4[1]}${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}`;
  }
  const [head, tail, extra] = s.split('::');
  if (extra !== undefined) return undefined;
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const fill = tail === undefined ? 0 : 8 - h.length - t.length;
  if (fill < 0) return undefined;
  const groups = [...h, ...Array<string>(fill).fill('0'), ...t].map((g) => parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => g >= 0 && g <= 0xffff) ? groups : undefined;
}

/** The throttling identity of a client address: IPv4 as-is (also when IPv4-mapped), IPv6 by prefix. */
export function clientKey(ip: string, ipv6PrefixLength: number = DEFAULT_THROTTLE.ipv6PrefixLength): string {
  const a = ip.trim();
  if (isIPv4(a)) return a;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  if (mapped && isIPv4(mapped[1]!)) return mapped[1]!;
  if (!isIPv6(a.split('%')[0]!)) return a.toLowerCase() || 'unknown';
  const g = expandIPv6(a);
  if (!g) return a.toLowerCase();
  const bits = Math.max(0, Math.min(128, ipv6PrefixLength));
  const out: number[] = [];
  for (let i = 0; i < 8; i++) {
    const keep = Math.max(0, Math.min(16, bits - i * 16));
    out.push(keep === 0 ? 0 : g[i]! & ((0xffff << (16 - keep)) & 0xffff));
  }
  return `${out.map((x) => x.toString(16)).join(':')}/${bits}`;
}

// KEYS: failures counter, block marker. ARGV: maxFailures, windowMs, blockMs.
// Returns { failures, blockTtlMs }.
const RECORD_FAILURE = defineScript(`
local ttl = redis.call('PTTL', KEYS[2])
if ttl > 0 then return {0, ttl} end
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if n >= tonumber(ARGV[1]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  redis.call('DEL', KEYS[1])
  return {0, tonumber(ARGV[3])}
end
return {n, 0}
`);

export class RedisLoginThrottle implements LoginThrottle {
  readonly #redis: RedisConnection;
  readonly #log: Logger | undefined;
  readonly #max: number;
  readonly #window: number;
  readonly #block: number;
  readonly #v6: number;
  readonly #exempt: Set<string>;
  readonly #prefix: string;

  constructor(redis: RedisConnection, config: LoginThrottleConfig = {}, log?: Logger) {
    this.#redis = redis;
    this.#log = log;
    this.#max = Math.max(1, config.maxFailures ?? DEFAULT_THROTTLE.maxFailures);
    this.#window = Math.max(1, config.windowMs ?? DEFAULT_THROTTLE.windowMs);
    this.#block = Math.max(1, config.blockMs ?? DEFAULT_THROTTLE.blockMs);
    this.#v6 = config.ipv6PrefixLength ?? DEFAULT_THROTTLE.ipv6PrefixLength;
    this.#prefix = config.keyPrefix ?? 'login-throttle:';
    this.#exempt = new Set((config.exempt ?? []).map((ip) => clientKey(ip, 128).replace(/\/128$/, '')));
  }

  #keys(ip: string): { id: string; fail: string; block: string } | undefined {
    const full = clientKey(ip, 128).replace(/\/128$/, '');
    if (this.#exempt.has(full)) return undefined;
    const id = clientKey(ip, this.#v6);
    return { id, fail: `${this.#prefix}fail:${id}`, block: `${this.#prefix}block:${id}` };
  }

  async check(ip: string): Promise<ThrottleStatus> {
    const k = this.#keys(ip);
    if (!k) return { blocked: false, retryAfterMs: 0 };
    try {
      const ttl = await this.#redis.pttl(k.block);
      return ttl > 0 ? { blocked: true, retryAfterMs: ttl } : { blocked: false, retryAfterMs: 0 };
    } catch (err) {
      this.#log?.warn('throttle.redis_unavailable', { op: 'check', err });
      return { blocked: false, retryAfterMs: 0 };
    }
  }

  async assertAllowed(ip: string): Promise<void> {
    const s = await this.check(ip);
    if (s.blocked) throw new LoginThrottledError(s.retryAfterMs);
  }

  async recordFailure(ip: string): Promise<FailureStatus> {
    const k = this.#keys(ip);
    if (!k) return { blocked: false, retryAfterMs: 0, failures: 0 };
    try {
      const r = (await this.#redis.runScript(
        RECORD_FAILURE,
        [k.fail, k.block],
        [this.#max, this.#window, this.#block],
      )) as [number, number];
      const failures = Number(r[0]);
      const ttl = Number(r[1]);
      if (ttl > 0 && failures === 0) this.#log?.warn('throttle.blocked', { client: k.id, retryAfterMs: ttl });
      return { blocked: ttl > 0, retryAfterMs: Math.max(0, ttl), failures };
    } catch (err) {
      this.#log?.warn('throttle.redis_unavailable', { op: 'recordFailure', err });
      return { blocked: false, retryAfterMs: 0, failures: 0 };
    }
  }

  async recordSuccess(ip: string): Promise<void> {
    const k = this.#keys(ip);
    if (!k) return;
    try {
      await this.#redis.del(k.fail);
    } catch (err) {
      this.#log?.warn('throttle.redis_unavailable', { op: 'recordSuccess', err });
    }
  }
}

/** For local tools and tests that run without Redis: never blocks. */
export const noLoginThrottle: LoginThrottle = {
  async check() {
    return { blocked: false, retryAfterMs: 0 };
  },
  async assertAllowed() {},
  async recordFailure() {
    return { blocked: false, retryAfterMs: 0, failures: 0 };
  },
  async recordSuccess() {},
};
