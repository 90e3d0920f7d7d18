// One sampling round of the jobs role: host figures, counters taken from Redis, role states from
// heartbeats, queue size and certificate lifetime, turned into named samples for the store.
//
// Series (unit):
//   cpu %, mem %, mem_used_bytes, disk % (data dir's file system), disk_free_bytes, load1,
//   net_rx / net_tx bytes/s, queue (outbound entries), cert_days (days left),
//   messages_in (accepted by MX), messages_out (accepted from users on submission),
//   messages_rejected (refused MAIL/RCPT/DATA commands), logins_failed (every protocol),
//   role.<name>.up (1 up, 0 down/stopped; a bucket's average is the availability),
//   role.<name>.restarts (starts after the first).
import type { RedisConnection } from '../storage/redis-adapter.ts';
import { COUNTERS, takeCounts } from './counters.ts';
import { readRoleStatus, restartCounter } from './heartbeat.ts';
import type { Sample } from './metrics-store.ts';
import type { SystemSampler } from './system-sampler.ts';

export interface CollectorDeps {
  system: SystemSampler;
  redis: RedisConnection;
  /** Roles expected to run (their heartbeats are read). */
  roles: readonly string[];
  heartbeatMs: number;
  queueSize(): Promise<number>;
  /** Certificate expiry, or undefined when unknown. */
  certificateNotAfter(): Date | undefined;
}

export const SERIES_UNITS: Record<string, string> = {
  cpu: '%',
  mem: '%',
  mem_used_bytes: 'bytes',
  disk: '%',
  disk_free_bytes: 'bytes',
  load1: 'load',
  net_rx: 'bytes/s',
  net_tx: 'bytes/s',
  queue: 'messages',
  cert_days: 'days',
  messages_in: 'messages',
  messages_out: 'messages',
  messages_rejected: 'commands',
  logins_failed: 'logins',
};

export function unitOf(series: string): string {
  if (SERIES_UNITS[series]) return SERIES_UNITS[series];
  if (series.endsWith('.up')) return 'up';
  if (series.endsWith('.restarts')) return 'restarts';
  return '';
}

export async function collectSamples(deps: CollectorDeps, now = Date.now()): Promise<Sample[]> {
  const out: Sample[] = [];
  const gauge = (series: string, value: number | undefined) => {
    if (value !== undefined && Number.isFinite(value)) out.push({ series, kind: 'gauge', value });
  };
  const count = (series: string, value: number) => out.push({ series, kind: 'count', value });

  const sys = await deps.system.sample(now);
  gauge('cpu', sys.cpuPercent);
  gauge('mem', sys.memPercent);
  gauge('mem_used_bytes', sys.memUsedBytes);
  gauge('disk', sys.diskPercent);
  gauge('disk_free_bytes', sys.diskFreeBytes);
  gauge('load1', sys.load1);
  gauge('net_rx', sys.netRxBytesPerS);
  gauge('net_tx', sys.netTxBytesPerS);
  gauge('queue', await deps.queueSize().catch(() => undefined));
  const notAfter = deps.certificateNotAfter();
  if (notAfter) gauge('cert_days', (notAfter.getTime() - now) / 86_400_000);

  // Redis may be briefly unavailable: host figures are still worth recording, and counters stay
  // in Redis until the next round takes them.
  try {
    const taken = await takeCounts(deps.redis, [...COUNTERS, ...deps.roles.map(restartCounter)]);
    for (const c of COUNTERS) count(c, taken[c] ?? 0);
    for (const role of deps.roles) count(`role.${role}.restarts`, taken[restartCounter(role)] ?? 0);
  } catch {
    // retried next round
  }
  try {
    for (const r of await readRoleStatus(deps.redis, deps.roles, { intervalMs: deps.heartbeatMs, now })) {
      if (r.status !== 'unknown') gauge(`role.${r.role}.up`, r.status === 'up' ? 1 : 0);
    }
  } catch {
    // unknown this round
  }
  return out;
}
