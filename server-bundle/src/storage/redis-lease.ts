// A lease in Redis: a key holding its holder's value with a TTL, taken only when free, renewed and
// released only by its holder (compare and act in one script, so a lease taken over after its TTL
// is never extended or deleted by the process that lost it). Used for outbound queue entries and
// for the one backup run of a server.
import { defineScript, type RedisConnection } from './redis-adapter.ts';

// KEYS[1]: lease. ARGV: holder, ttl. 1 when taken.
const ACQUIRE = defineScript(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0
`);
// KEYS[1]: lease. ARGV: holder, ttl. 1 when still ours (and extended).
const RENEW = defineScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`);
// KEYS[1]: lease. ARGV: holder. 1 when it was ours.
const RELEASE = defineScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

/** True when `holder` took the lease at `key` for `ttlMs`. */
export async function acquireLease(redis: RedisConnection, key: string, holder: string, ttlMs: number) {
  return Number(await redis.runScript(ACQUIRE, [key], [holder, Math.ceil(ttlMs)])) === 1;
}

/** True when the lease is still `holder`'s (and now lasts `ttlMs` more). */
export async function renewLease(redis: RedisConnection, key: string, holder: string, ttlMs: number) {
  return Number(await redis.runScript(RENEW, [key], [holder, Math.ceil(ttlMs)])) === 1;
}

/** Frees the lease if it is still `holder`'s. */
export async function releaseLease(redis: RedisConnection, key: string, holder: string) {
  return Number(await redis.runScript(RELEASE, [key], [holder])) === 1;
}
