import type { DashboardSeries } from '../../../../shared/operate';

/** How a graph's values read: a percentage, a load average, bytes per second, or a number of events. */
export type ValueKind = 'percent' | 'load' | 'bytesPerSecond' | 'count';

export interface ChartSpec {
  id: string;
  series: readonly DashboardSeries[];
  kind: ValueKind;
  /** Totals per bucket (counted events) rather than averages. */
  perBucket?: boolean;
}

/** The dashboard's graphs, in the order they appear. */
export const chartSpecs: readonly ChartSpec[] = [
  { id: 'cpu', series: ['cpu'], kind: 'percent' },
  { id: 'memory', series: ['mem'], kind: 'percent' },
  { id: 'disk', series: ['disk'], kind: 'percent' },
  { id: 'load', series: ['load1'], kind: 'load' },
  { id: 'network', series: ['net_rx', 'net_tx'], kind: 'bytesPerSecond' },
  {
    id: 'messages',
    series: ['messages_in', 'messages_out', 'messages_rejected'],
    kind: 'count',
    perBucket: true,
  },
  { id: 'queue', series: ['queue'], kind: 'count' },
  { id: 'logins', series: ['logins_failed'], kind: 'count', perBucket: true },
];

/** One colour per series, readable on the light and the dark theme. */
export const seriesColors: Record<DashboardSeries, string> = {
  cpu: '#3b82f6',
  mem: '#8b5cf6',
  disk: '#f59e0b',
  load1: '#14b8a6',
  net_rx: '#3b82f6',
  net_tx: '#f97316',
  messages_in: '#22c55e',
  messages_out: '#3b82f6',
  messages_rejected: '#ef4444',
  queue: '#a855f7',
  logins_failed: '#ef4444',
};
