// Event counters the protocol roles bump (messages in/out/rejected, failed logins) and the jobs
// role reads into the metrics store. Backed by Redis INCRBY, so roles in separate processes add
// into the same numbers; the jobs role takes (GET + DEL, atomically) what accumulated since its
// last sample, so nothing is counted twice and a jobs restart loses nothing.
//
// increment() never waits and never throws: a counter must not slow down or break an SMTP reply.
import type { Logger } from '../log/logger.ts';
import { defineScript, type RedisConnection } from '../storage/redis-adapter.ts';

export const COUNTERS = ['messages_in', 'messages_out', 'messages_rejected', 'logins_failed'] as const;
export type CounterName = (typeof COUNTERS)[number];

export interface Counters {
  increment(name: CounterName, by?: number): void;
}

export const noCounters: Counters = { increment() {} };

export const counterKey = (name: string): string => `counters:${name}`;

// KEYS: counters. Returns their values (0 when absent) and deletes them.
const TAKE = defineScript(`
local out = {}
for i, k in ipairs(KEYS) do
  out[i] = tonumber(redis.call('GET', k) or '0')
  redis.call('DEL', k)
end
return out
`);

export class RedisCounters implements Counters {
  readonly #redis: RedisConnection;
  readonly #log: Logger | undefined;

  constructor(redis: RedisConnection, log?: Logger) {
    this.#redis = redis;
    this.#log = log;
  }

  increment(name: CounterName, by = 1): void {
    this.#redis
      .incrBy(counterKey(name), by)
      .catch((err: unknown) => this.#log?.debug('counters.increment_failed', { name, err }));
  }
}

/** Reads and resets counters (any names, e.g. 'messages_in', 'restarts:mx'). */
export async function takeCounts(
  redis: RedisConnection,
  names: readonly string[],
): Promise<Record<string, number>> {
  if (!names.length) return {};
  const values = (await redis.runScript(TAKE, names.map(counterKey), [])) as number[];
  return Object.fromEntries(names.map((n, i) => [n, Number(values[i] ?? 0)]));
}
