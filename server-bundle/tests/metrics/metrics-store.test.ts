// Downsampling: every sample lands in one bucket per tier; queries pick the tier from the range and
// bucket it to about `points` points, so 30 days of 10-second samples come back as a few hundred.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MetricsStore, planQuery, type Sample, type Tier } from '../../src/metrics/metrics-store.ts';
import { useTmpDir } from '../helpers/tmp.ts';

const tmp = useTmpDir('facteur-metrics-');
const PRODUCTION: Tier[] = [
  { stepMs: 10_000, keepMs: 86_400_000 },
  { stepMs: 300_000, keepMs: 30 * 86_400_000 },
  { stepMs: 3_600_000, keepMs: 365 * 86_400_000 },
];
const H = 3_600_000;
const D = 24 * H;

describe('planQuery', () => {
  it('answers each dashboard range from a tier that keeps it, with a few hundred points', () => {
    const now = Date.UTC(2026, 0, 31);
    const plan = (range: number) => planQuery(PRODUCTION, { from: now - range, to: now, points: 300, now });
    expect(plan(H)).toEqual({ tier: PRODUCTION[0], bucketMs: 20_000 }); // 180 points
    expect(plan(D)).toEqual({ tier: PRODUCTION[1], bucketMs: 300_000 }); // 288 points
    expect(plan(7 * D)).toEqual({ tier: PRODUCTION[1], bucketMs: 2_100_000 }); // 288 points
    expect(plan(30 * D)).toEqual({ tier: PRODUCTION[2], bucketMs: 3 * H }); // 240 points
    expect(plan(365 * D).tier).toBe(PRODUCTION[2]);
    // Old data is only in the coarse tier, however short the range.
    expect(planQuery(PRODUCTION, { from: now - 40 * D, to: now - 40 * D + H, points: 300, now }).tier).toBe(
      PRODUCTION[2],
    );
  });
});

describe('MetricsStore', () => {
  it('stores 30 days of 10 s samples and returns each range with the right aggregates', () => {
    const store = MetricsStore.open(join(tmp(), 'metrics.db'), null, PRODUCTION);
    const now = Date.UTC(2026, 0, 31);
    const start = now - 30 * D;
    let t0 = performance.now();
    let n = 0;
    let batch: Array<{ at: number; samples: Sample[] }> = [];
    const flush = () => {
      store.recordRounds(batch); // one transaction per batch; the jobs role records one round at a time
      n += batch.length;
      batch = [];
    };
    for (let t = start; t < now; t += 10_000) {
      batch.push({
        at: t,
        samples: [
          { series: 'cpu', kind: 'gauge', value: (t / 10_000) % 2 === 0 ? 20 : 40 }, // alternates: average 30
          { series: 'messages_in', kind: 'count', value: 1 },
        ],
      });
      if (batch.length >= 5000) flush();
    }
    flush();
    const writeMs = performance.now() - t0;
    expect(n).toBe(259_200);

    const pruned = store.prune(now);
    const rows = store.countRows();
    // Two series, each: 24 h of 10 s buckets, 30 days of 5 min, 30 days of 1 h (kept a year).
    expect(rows).toEqual({ 10_000: 2 * 8_640, 300_000: 2 * 8_640, 3_600_000: 2 * 720 });
    expect(pruned).toBeGreaterThan(0);

    const timings: Record<string, number> = {};
    for (const [label, range, stepMs] of [
      ['1h', H, 20_000],
      ['24h', D, 300_000],
      ['7d', 7 * D, 2_100_000],
      ['30d', 30 * D, 3 * H],
    ] as const) {
      t0 = performance.now();
      const r = store.query(['cpu', 'messages_in'], { from: now - range, to: now, points: 300, now });
      timings[label] = performance.now() - t0;
      const cpu = r.series.cpu!.points;
      const msgs = r.series.messages_in!.points;
      expect([label, r.stepMs]).toEqual([label, stepMs]);
      // The start is aligned down to a whole bucket.
      expect(r.from).toBeLessThanOrEqual(now - range);
      expect(cpu.length).toBe(Math.ceil((now - r.from) / r.stepMs));
      expect(cpu.length).toBeGreaterThan(150);
      expect(cpu.length).toBeLessThanOrEqual(300);
      for (const p of cpu) {
        expect(p.v).toBeCloseTo(30, 5);
        expect([p.min, p.max]).toEqual([20, 40]);
      }
      // Counts add up: one message per 10 s sample.
      expect(msgs.reduce((a, p) => a + p.v, 0)).toBe((now - r.from) / 10_000);
      // Every bucket but the last (which ends at `to`) is complete.
      expect(msgs.slice(0, -1).every((p) => p.v === r.stepMs / 10_000)).toBe(true);
      expect(msgs.at(-1)!.v).toBeLessThanOrEqual(r.stepMs / 10_000);
    }
    expect(store.latest(['cpu', 'messages_in'])).toEqual({
      cpu: { t: now - 10_000, v: 40, kind: 'gauge' },
      messages_in: { t: now - 10_000, v: 1, kind: 'count' },
    });
    console.log(JSON.stringify({ metrics_write_30d_ms: Math.round(writeMs), metrics_query_ms: timings }));
    for (const ms of Object.values(timings)) expect(ms).toBeLessThan(200);
    store.close();
  }, 120_000);

  it('keeps series kinds, ignores invalid names and values, and reopens encrypted', () => {
    const dir = tmp();
    const key = Buffer.alloc(32, 7);
    const a = MetricsStore.open(join(dir, 'm.db'), key, PRODUCTION);
    a.record(1_000_000, [
      { series: 'queue', kind: 'gauge', value: 3 },
      { series: 'Bad Name', kind: 'gauge', value: 1 },
      { series: 'load1', kind: 'gauge', value: Number.NaN },
    ]);
    a.close();
    const b = MetricsStore.open(join(dir, 'm.db'), key, PRODUCTION);
    expect(b.listSeries()).toEqual([{ name: 'queue', kind: 'gauge' }]);
    b.close();
    expect(() => MetricsStore.open(join(dir, 'm.db'), Buffer.alloc(32, 8), PRODUCTION)).toThrow(/wrong key/);
  });
});
