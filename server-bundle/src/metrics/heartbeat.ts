// Role liveness across processes and containers. Each role process, once listening, counts its
// start (roles:<role>:starts) and writes a heartbeat (roles:<role>:heartbeat) every intervalMs.
// Anyone with Redis derives the state: up (fresh heartbeat), stopped (said goodbye), down (missed
// three beats: crashed or hung), unknown (never seen). Restarts are starts after the first; each
// one is also counted in counters:restarts:<role> for the jobs role to take into the metrics.
import { hostname } from 'node:os';
import type { Logger } from '../log/logger.ts';
import type { RedisConnection } from '../storage/redis-adapter.ts';
import { counterKey } from './counters.ts';

export interface HeartbeatRecord {
  pid: number;
  host: string;
  version: string;
  startedAt: number;
  at: number;
  state: 'running' | 'stopped';
}

export type RoleState = 'up' | 'stopped' | 'down' | 'unknown';

export interface RoleStatus {
  role: string;
  status: RoleState;
  pid: number | null;
  startedAt: string | null;
  lastSeen: string | null;
  starts: number;
  restarts: number;
}

const heartbeatKey = (role: string) => `roles:${role}:heartbeat`;
const startsKey = (role: string) => `roles:${role}:starts`;
export const restartCounter = (role: string) => `restarts:${role}`;
const KEEP_MS = 30 * 86_400_000;

export interface RoleHeartbeats {
  stop(): Promise<void>;
}

export async function startRoleHeartbeats(
  redis: RedisConnection,
  roles: readonly string[],
  opts: { intervalMs: number; version: string; log?: Logger },
): Promise<RoleHeartbeats> {
  const startedAt = Date.now();
  const record = (state: HeartbeatRecord['state']): string =>
    JSON.stringify({
      pid: process.pid,
      host: hostname(),
      version: opts.version,
      startedAt,
      at: Date.now(),
      state,
    } satisfies HeartbeatRecord);
  const beat = async (state: HeartbeatRecord['state']) => {
    await Promise.all(roles.map((r) => redis.set(heartbeatKey(r), record(state), { ttlMs: KEEP_MS })));
  };
  try {
    for (const role of roles) {
      const starts = await redis.incrBy(startsKey(role), 1);
      if (starts > 1) await redis.incrBy(counterKey(restartCounter(role)), 1);
    }
    await beat('running');
  } catch (err) {
    opts.log?.warn('heartbeat.failed', { err });
  }
  const timer = setInterval(() => {
    beat('running').catch((err: unknown) => opts.log?.warn('heartbeat.failed', { err }));
  }, opts.intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await beat('stopped').catch(() => undefined);
    },
  };
}

export async function readRoleStatus(
  redis: RedisConnection,
  roles: readonly string[],
  opts: { intervalMs: number; now?: number },
): Promise<RoleStatus[]> {
  const now = opts.now ?? Date.now();
  return Promise.all(
    roles.map(async (role): Promise<RoleStatus> => {
      const [raw, starts] = await Promise.all([redis.get(heartbeatKey(role)), redis.get(startsKey(role))]);
      const n = Number(starts ?? 0);
      let hb: HeartbeatRecord | undefined;
      try {
        hb = raw ? (JSON.parse(raw) as HeartbeatRecord) : undefined;
      } catch {
        hb = undefined;
      }
      const status: RoleState = !hb
        ? 'unknown'
        : hb.state === 'stopped'
          ? 'stopped'
          : now - hb.at <= 3 * opts.intervalMs
            ? 'up'
            : 'down';
      return {
        role,
        status,
        pid: hb?.pid ?? null,
        startedAt: hb ? new Date(hb.startedAt).toISOString() : null,
        lastSeen: hb ? new Date(hb.at).toISOString() : null,
        starts: n,
        restarts: Math.max(0, n - 1),
      };
    }),
  );
}
