import { z } from 'zod';

/**
 * Schemas of the dashboard: the server's metrics over a range (downsampled by the server), the
 * health of its roles, and a one-line state for every server Facteur knows.
 */

const serverId = z.string().min(1).max(64);

export const metricsRanges = ['1h', '24h', '7d', '30d'] as const;
export const metricsRange = z.enum(metricsRanges);
export type MetricsRange = z.output<typeof metricsRange>;

/** The series the dashboard draws (whatever else the server records is not asked for). */
export const dashboardSeries = [
  'cpu',
  'mem',
  'disk',
  'load1',
  'net_rx',
  'net_tx',
  'messages_in',
  'messages_out',
  'messages_rejected',
  'queue',
  'logins_failed',
] as const;
export type DashboardSeries = (typeof dashboardSeries)[number];

export const serverMetricsRequest = z.object({ serverId, range: metricsRange }).strict();

/** One bucket: t = its start (ms since the epoch), v = average (gauge) or total (count). */
export const metricPoint = z.object({ t: z.number(), v: z.number() });

export const metricSeries = z.object({
  name: z.string(),
  kind: z.enum(['gauge', 'count']),
  unit: z.string(),
  points: z.array(metricPoint),
});

export const serverMetrics = z.object({
  serverId: z.string(),
  range: metricsRange,
  from: z.number(),
  to: z.number(),
  /** Bucket size of the points, in ms. */
  stepMs: z.number(),
  series: z.array(metricSeries),
});

export const roleHealth = z.object({
  role: z.string(),
  /** up: heartbeats arrive; stopped: stopped on purpose; down: crashed or hung; unknown: never seen. */
  status: z.enum(['up', 'stopped', 'down', 'unknown']),
  restarts: z.number(),
  startedAt: z.string().nullable(),
  lastSeen: z.string().nullable(),
});

export const serverHealth = z.object({
  serverId: z.string(),
  status: z.enum(['ok', 'degraded']),
  version: z.string(),
  checkedAt: z.string(),
  redis: z.enum(['up', 'down']),
  roles: z.array(roleHealth),
  certificate: z.object({ daysLeft: z.number(), selfSigned: z.boolean() }).nullable(),
});

/** not-deployed: nothing installed yet; ok: every role up; degraded: some role not up; unreachable: no answer. */
export const serverState = z.enum(['not-deployed', 'ok', 'degraded', 'unreachable']);

export const serverSummary = z.object({
  serverId: z.string(),
  name: z.string(),
  host: z.string(),
  state: serverState,
  /** Roles that are not up (degraded). */
  rolesDown: z.array(z.string()),
  rolesTotal: z.number(),
  /** Why the server could not be asked (unreachable), in plain words. */
  problem: z.string().optional(),
});

export const serversOverview = z.object({
  /** How often the dashboard asks again, in ms (the desktop's configuration). */
  refreshMs: z.number(),
  servers: z.array(serverSummary),
});

export type MetricPoint = z.output<typeof metricPoint>;
export type MetricSeries = z.output<typeof metricSeries>;
export type ServerMetrics = z.output<typeof serverMetrics>;
export type RoleHealth = z.output<typeof roleHealth>;
export type ServerHealth = z.output<typeof serverHealth>;
export type ServerSummary = z.output<typeof serverSummary>;
export type ServersOverview = z.output<typeof serversOverview>;
