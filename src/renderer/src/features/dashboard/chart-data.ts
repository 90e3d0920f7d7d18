import type { MetricSeries } from '../../../../shared/operate';

export type ChartRow = { t: number } & Record<string, number>;

/**
 * The rows one graph draws: the buckets of its series side by side, by time. The server buckets
 * every series of one answer alike, so the times line up; a missing bucket stays missing (a gap).
 */
export function chartRows(series: readonly MetricSeries[], names: readonly string[]): ChartRow[] {
  const rows = new Map<number, ChartRow>();
  for (const s of series) {
    if (!names.includes(s.name)) continue;
    for (const p of s.points) {
      let row = rows.get(p.t);
      if (!row) rows.set(p.t, (row = { t: p.t } as ChartRow));
      row[s.name] = p.v;
    }
  }
  return [...rows.values()].sort((a, b) => a.t - b.t);
}
