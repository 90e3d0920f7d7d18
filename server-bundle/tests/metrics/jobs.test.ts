// The jobs role in compressed time: a sampling round every 10 ms into tiers of 10 ms / 50 ms /
// 200 ms, with real Redis counters and role heartbeats. A role that stops and starts again shows
// in role.<name>.up (0 then 1) and role.<name>.restarts; old fine buckets are pruned.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJobs } from '../../src/jobs/jobs-role.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { RedisCounters } from '../../src/metrics/counters.ts';
import { startRoleHeartbeats } from '../../src/metrics/heartbeat.ts';
import { MetricsStore } from '../../src/metrics/metrics-store.ts';
import { SystemSampler } from '../../src/metrics/system-sampler.ts';
import { OutboundQueue } from '../../src/queue/outbound-queue.ts';
import { connectRedis, type RedisConnection } from '../../src/storage/redis-adapter.ts';
import { loadOrCreateServerSecrets } from '../../src/storage/server-secrets.ts';
import { useTmpDir } from '../helpers/tmp.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';

const tmp = useTmpDir('facteur-jobs-');
let redis: TestRedis;
let conn: RedisConnection;
beforeAll(async () => {
  redis = await startRedis();
  conn = connectRedis({ ...redis.options, keyPrefix: 'jobs-test:' });
});
afterAll(async () => {
  await conn?.quit();
  await redis?.stop();
});

const until = async (pred: () => boolean, ms: number) => {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('jobs role', () => {
  it('samples host figures, counters, queue, certificate and role state every 10 ms, downsampled and pruned', async () => {
    const dir = tmp();
    const tiers = [
      { stepMs: 10, keepMs: 300 },
      { stepMs: 50, keepMs: 3_000 },
      { stepMs: 200, keepMs: 60_000 },
    ];
    const store = MetricsStore.open(join(dir, 'metrics.db'), null, tiers);
    const secrets = await loadOrCreateServerSecrets(join(dir, 'secrets.json'));
    const outbound = OutboundQueue.fromSecrets(join(dir, 'outbound'), secrets);
    for (const to of ['a@far.test', 'b@far.test'])
      await outbound.enqueue(
        { mailFrom: 'x@one.test', rcptTo: [to], receivedAt: Date.now(), origin: 'submission' },
        Buffer.from('hi'),
      );
    const counters = new RedisCounters(conn);
    let mx = await startRoleHeartbeats(conn, ['mx'], { intervalMs: 20, version: 'test' });
    const notAfter = new Date(Date.now() + 10 * 86_400_000);

    const jobs = await startJobs(
      {
        store,
        outbound,
        log: silentLogger,
        system: new SystemSampler(dir),
        redis: conn,
        roles: ['mx', 'imap'],
        heartbeatMs: 20,
        queueSize: async () => (await outbound.list()).length,
        certificateNotAfter: () => notAfter,
      },
      { intervalMs: 10 },
    );
    const t0 = Date.now();
    for (let i = 0; i < 5; i++) counters.increment('messages_in');
    counters.increment('logins_failed', 3);
    counters.increment('messages_rejected');
    await until(() => jobs.rounds >= 30, 10_000);

    // mx stops (red), then starts again (green, one restart).
    await mx.stop();
    const r0 = jobs.rounds;
    await until(() => jobs.rounds >= r0 + 10, 10_000);
    mx = await startRoleHeartbeats(conn, ['mx'], { intervalMs: 20, version: 'test' });
    const r1 = jobs.rounds;
    await until(() => jobs.rounds >= r1 + 30, 10_000);
    const elapsed = Date.now() - t0;
    const rounds = jobs.rounds;
    await jobs.close();
    await mx.stop();

    const reopened = MetricsStore.open(join(dir, 'metrics.db'), null, tiers);
    const now = Date.now();
    const all = reopened.query(
      [
        'cpu',
        'mem',
        'disk',
        'disk_free_bytes',
        'load1',
        'queue',
        'cert_days',
        'messages_in',
        'logins_failed',
        'messages_rejected',
        'role.mx.up',
        'role.mx.restarts',
        'role.imap.up',
      ],
      { from: t0 - 1000, to: now + 1, points: 20, now },
    );
    const s = all.series;
    expect(all.tierStepMs).toBe(50); // about 2 s at 20 points: the 50 ms tier (it keeps 3 s)
    const sum = (name: string) => s[name]!.points.reduce((a, p) => a + p.v, 0);
    expect(sum('messages_in')).toBe(5);
    expect(sum('logins_failed')).toBe(3);
    expect(sum('messages_rejected')).toBe(1);
    expect(sum('role.mx.restarts')).toBe(1);
    expect(s['role.imap.up']).toBeUndefined(); // never seen: unknown, not down
    expect(Math.min(...s['role.mx.up']!.points.map((p) => p.min))).toBe(0);
    expect(s['role.mx.up']!.points.at(-1)!.max).toBe(1);
    for (const name of ['cpu', 'mem', 'disk', 'load1'])
      expect([name, s[name]!.points.length > 0]).toEqual([name, true]);
    expect(s.mem!.points[0]!.v).toBeGreaterThan(0);
    expect(s.mem!.points[0]!.v).toBeLessThan(100);
    expect(s.disk_free_bytes!.points[0]!.v).toBeGreaterThan(0);
    expect(s.queue!.points.at(-1)!.v).toBe(2);
    expect(s.cert_days!.points.at(-1)!.v).toBeCloseTo(10, 1);

    // The 10 ms tier keeps 300 ms: about 30 buckets per series remain, not one per round.
    const fine = reopened.query(['cpu'], { from: now - 250, to: now, points: 100, now });
    expect(fine.tierStepMs).toBe(10);
    const rows = reopened.countRows();
    const series = reopened.listSeries().length;
    expect(rows[10]! / series).toBeLessThanOrEqual(45);
    expect(rows[50]! / series).toBeGreaterThan(rows[10]! / series / 5);
    // A 1-second range at 20 points comes from the 50 ms tier.
    expect(reopened.query(['cpu'], { from: now - 1000, to: now, points: 20, now }).tierStepMs).toBe(50);
    reopened.close();
    console.log(
      JSON.stringify({
        jobs_rounds: rounds,
        jobs_elapsed_ms: elapsed,
        jobs_round_avg_ms: Math.round((elapsed / rounds) * 10) / 10,
      }),
    );
  }, 60_000);
});
