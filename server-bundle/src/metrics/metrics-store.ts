// Time series of the server's health (CPU, memory, disk, traffic, counters, role state) in
// <dataDir>/metrics.db. No mail content lives here, but the file is still encrypted with a key
// derived from the server secrets, like config.db (opening costs ~1 ms; backups see noise only).
//
// Downsampling without a rollup job: every sample is added to one bucket per tier at once
// (upsert of sum/min/max/n), e.g. 10 s buckets kept 24 h, 5 min kept 30 days, 1 h kept a year.
// A query picks the tier from the range and groups its buckets further so that it returns about
// `points` points: 30 days come back as a few hundred points, whatever the sampling interval.
import { hkdfSync } from 'node:crypto';
import { join } from 'node:path';
import { migrate, type Migration } from '../storage/migrations.ts';
import { configDbKeyOf, loadOrCreateServerSecrets, type ServerSecrets } from '../storage/server-secrets.ts';
import { openDatabase, type Db, type Statement } from '../storage/sqlite-adapter.ts';

/** gauge: the value at a moment (a bucket shows its average); count: events (a bucket shows the sum). */
export type SeriesKind = 'gauge' | 'count';

export interface Tier {
  stepMs: number;
  keepMs: number;
}

export interface Sample {
  series: string;
  kind: SeriesKind;
  value: number;
}

/** One bucket: v = average (gauge) or total (count) over [t, t + stepMs); min/max of the samples. */
export interface Point {
  t: number;
  v: number;
  min: number;
  max: number;
}

export interface SeriesResult {
  kind: SeriesKind;
  points: Point[];
}

export interface MetricsQuery {
  from: number;
  to: number;
  /** Target number of points (the bucket size is chosen to stay at or under it). */
  points: number;
  now?: number;
}

export interface MetricsResult {
  from: number;
  to: number;
  /** Bucket size of the returned points. */
  stepMs: number;
  /** Step of the stored tier the points were computed from. */
  tierStepMs: number;
  series: Record<string, SeriesResult>;
}

const MIGRATIONS: readonly Migration[] = [
  `
  CREATE TABLE IF NOT EXISTS series (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL                       -- 'gauge' | 'count'
  );
  CREATE TABLE IF NOT EXISTS points (
    step   INTEGER NOT NULL,                 -- the tier, by its bucket size in ms
    series INTEGER NOT NULL,
    t      INTEGER NOT NULL,                 -- bucket start, ms since the epoch, a multiple of step
    sum    REAL NOT NULL,
    min    REAL NOT NULL,
    max    REAL NOT NULL,
    n      INTEGER NOT NULL,
    PRIMARY KEY (step, series, t)
  ) WITHOUT ROWID;
  `,
];

export const SERIES_NAME = /^[a-z0-9][a-z0-9_.+-]{0,63}$/;

/** The metrics database key: HKDF of the config DB key under its own label (nothing new to store). */
export function metricsDbKey(secrets: ServerSecrets): Buffer {
  const k = configDbKeyOf(secrets);
  try {
    return Buffer.from(hkdfSync('sha256', k, Buffer.alloc(0), 'facteur/metrics-db/v1', 32));
  } finally {
    k.fill(0);
  }
}

export function sortTiers(tiers: readonly Tier[]): Tier[] {
  const out = [...tiers].filter((t) => t.stepMs > 0 && t.keepMs > 0).sort((a, b) => a.stepMs - b.stepMs);
  if (!out.length) throw new Error('metrics need at least one tier');
  return out;
}

/** Which tier answers a range, and the bucket size: about `points` points, from the coarsest tier that still allows that. */
export function planQuery(tiers: readonly Tier[], q: MetricsQuery): { tier: Tier; bucketMs: number } {
  const sorted = sortTiers(tiers);
  const now = q.now ?? Date.now();
  const range = Math.max(1, q.to - q.from);
  const wanted = range / Math.max(1, q.points);
  // Tiers still holding data as old as `from`; the coarsest one when none reaches that far.
  const covering = sorted.filter((t) => t.keepMs >= now - q.from);
  const candidates = covering.length ? covering : [sorted[sorted.length - 1]!];
  // The coarsest tier whose buckets are not much larger than wanted (fewer rows to read).
  const fit = candidates.filter((t) => t.stepMs <= wanted * 1.5);
  const tier = fit.length ? fit[fit.length - 1]! : candidates[0]!;
  const bucketMs = Math.max(tier.stepMs, Math.ceil(wanted / tier.stepMs) * tier.stepMs);
  return { tier, bucketMs };
}

export class MetricsStore {
  readonly #db: Db;
  readonly #tiers: Tier[];
  readonly #ids = new Map<string, number>();
  readonly #upsert: Statement;
  readonly #insertSeries: Statement;
  readonly #seriesId: Statement<unknown[], { id: number; kind: SeriesKind }>;
  readonly #prune: Statement;

  private constructor(db: Db, tiers: Tier[]) {
    this.#db = db;
    this.#tiers = tiers;
    this.#upsert = db.prepare(
      `INSERT INTO points (step, series, t, sum, min, max, n) VALUES (?, ?, ?, ?, ?, ?, 1)
       ON CONFLICT (step, series, t) DO UPDATE SET sum = sum + excluded.sum, min = min(min, excluded.min),
         max = max(max, excluded.max), n = n + 1`,
    );
    this.#insertSeries = db.prepare(
      'INSERT INTO series (name, kind) VALUES (?, ?) ON CONFLICT (name) DO NOTHING',
    );
    this.#seriesId = db.prepare('SELECT id, kind FROM series WHERE name = ?') as Statement<
      unknown[],
      { id: number; kind: SeriesKind }
    >;
    this.#prune = db.prepare('DELETE FROM points WHERE step = ? AND series = ? AND t < ?');
  }

  /** key: 32 bytes (metricsDbKey), or null for a plain file (tests). */
  static open(path: string, key: Buffer | null, tiers: readonly Tier[]): MetricsStore {
    const db = openDatabase(path, { key });
    try {
      // Losing the last sample on power loss is fine; fsyncing every sample is not needed.
      db.pragma('synchronous=NORMAL');
      migrate(db, MIGRATIONS);
      return new MetricsStore(db, sortTiers(tiers));
    } catch (err) {
      db.close();
      throw err;
    }
  }

  get tiers(): readonly Tier[] {
    return this.#tiers;
  }

  #id(name: string, kind?: SeriesKind): number | undefined {
    let id = this.#ids.get(name);
    if (id !== undefined) return id;
    if (kind) this.#insertSeries.run(name, kind);
    id = this.#seriesId.get(name)?.id;
    if (id !== undefined) this.#ids.set(name, id);
    return id;
  }

  /** Adds one sampling round (all series at `at`) to every tier, in one transaction. */
  record(at: number, samples: readonly Sample[]): void {
    this.recordRounds([{ at, samples }]);
  }

  /** Several rounds in one transaction (imports, tests). */
  recordRounds(rounds: ReadonlyArray<{ at: number; samples: readonly Sample[] }>): void {
    this.#db
      .transaction(() => {
        for (const { at, samples } of rounds) {
          for (const s of samples) {
            if (!SERIES_NAME.test(s.series) || !Number.isFinite(s.value)) continue;
            const id = this.#id(s.series, s.kind)!;
            for (const tier of this.#tiers) {
              const t = Math.floor(at / tier.stepMs) * tier.stepMs;
              this.#upsert.run(tier.stepMs, id, t, s.value, s.value, s.value);
            }
          }
        }
      })
      .immediate();
  }

  /** Drops buckets older than each tier keeps. Returns the number of rows removed. */
  prune(now = Date.now()): number {
    const series = this.#db.prepare('SELECT id FROM series').all() as Array<{ id: number }>;
    let removed = 0;
    this.#db
      .transaction(() => {
        for (const tier of this.#tiers) {
          for (const s of series) removed += this.#prune.run(tier.stepMs, s.id, now - tier.keepMs).changes;
        }
      })
      .immediate();
    return removed;
  }

  listSeries(): Array<{ name: string; kind: SeriesKind }> {
    return this.#db.prepare('SELECT name, kind FROM series ORDER BY name').all() as Array<{
      name: string;
      kind: SeriesKind;
    }>;
  }

  /** Rows stored per tier (tests, diagnostics). */
  countRows(): Record<number, number> {
    const rows = this.#db.prepare('SELECT step, count(*) AS n FROM points GROUP BY step').all() as Array<{
      step: number;
      n: number;
    }>;
    return Object.fromEntries(rows.map((r) => [r.step, r.n]));
  }

  query(names: readonly string[], q: MetricsQuery): MetricsResult {
    const { tier, bucketMs } = planQuery(this.#tiers, q);
    const from = Math.floor(q.from / bucketMs) * bucketMs;
    const stmt = this.#db.prepare(
      // % works on integers whatever the bound type (a JS number may bind as REAL, where / would not truncate).
      `SELECT t - (t % ?) AS bt, sum(sum) AS s, min(min) AS mn, max(max) AS mx, sum(n) AS n
         FROM points WHERE step = ? AND series = ? AND t >= ? AND t < ? GROUP BY bt ORDER BY bt`,
    ) as Statement<unknown[], { bt: number; s: number; mn: number; mx: number; n: number }>;
    const series: Record<string, SeriesResult> = {};
    for (const name of names) {
      const row = this.#seriesId.get(name);
      if (!row) continue;
      const rows = stmt.all(bucketMs, tier.stepMs, row.id, from, q.to);
      series[name] = {
        kind: row.kind,
        points: rows.map((r) => ({
          t: r.bt,
          v: row.kind === 'count' ? r.s : r.s / r.n,
          min: r.mn,
          max: r.mx,
        })),
      };
    }
    return { from, to: q.to, stepMs: bucketMs, tierStepMs: tier.stepMs, series };
  }

  /** The most recent sample bucket of each series (finest tier). */
  latest(names?: readonly string[]): Record<string, { t: number; v: number; kind: SeriesKind }> {
    const step = this.#tiers[0]!.stepMs;
    const all = names ?? this.listSeries().map((s) => s.name);
    const stmt = this.#db.prepare(
      'SELECT t, sum, n FROM points WHERE step = ? AND series = ? ORDER BY t DESC LIMIT 1',
    ) as Statement<unknown[], { t: number; sum: number; n: number }>;
    const out: Record<string, { t: number; v: number; kind: SeriesKind }> = {};
    for (const name of all) {
      const s = this.#seriesId.get(name);
      if (!s) continue;
      const r = stmt.get(step, s.id);
      if (r) out[name] = { t: r.t, v: s.kind === 'count' ? r.sum : r.sum / r.n, kind: s.kind };
    }
    return out;
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }
}

/** <dataDir>/metrics.db under the key derived from <dataDir>/secrets.json. */
export async function openMetricsStore(dataDir: string, tiers: readonly Tier[]): Promise<MetricsStore> {
  const secrets = await loadOrCreateServerSecrets(join(dataDir, 'secrets.json'));
  const key = metricsDbKey(secrets);
  try {
    return MetricsStore.open(join(dataDir, 'metrics.db'), key, tiers);
  } finally {
    key.fill(0);
  }
}
