// What the dashboard reads: metrics, the outbound queue (envelopes only), recent logs.
//   GET /v1/metrics?series=cpu,mem,role.*&range=24h[&to=<ms>][&points=300]
//       { from, to, stepMs, tierStepMs, series: { cpu: { kind, unit, points: [{t, v, min, max}] } } }
//   GET /v1/metrics/series                      { series: [{ name, kind, unit, latest: {t, v} | null }] }
//   GET /v1/queue[?limit=100]                   { total, entries: [{ id, from, to, size, queuedAt, origin,
//                                                  attempts, nextAttemptAt, lastError, done }] }
//   GET /v1/logs[?role=mx,imap][&level=warn][&limit=200][&since=ISO]   { lines: LogEntry[] }
import type { LogLevel } from '../../log/logger.ts';
import { tailLogs } from '../../log/log-tail.ts';
import { unitOf } from '../../metrics/collector.ts';
import { SERIES_NAME } from '../../metrics/metrics-store.ts';
import { invalid } from '../api-error.ts';
import type { ControlDeps } from '../control-deps.ts';
import type { Router } from '../router.ts';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const MAX_RANGE_MS = 400 * 86_400_000;

export function parseRange(text: string | null): number {
  const m = /^(\d{1,6})([smhd])$/.exec(text ?? '1h');
  if (!m) throw invalid('range must look like 90s, 15m, 24h or 30d');
  const ms = Number(m[1]) * UNIT_MS[m[2]!]!;
  if (ms <= 0 || ms > MAX_RANGE_MS) throw invalid('range must be between 1s and 400d');
  return ms;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

function intParam(text: string | null, name: string, min: number, max: number, fallback: number): number {
  if (text === null) return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw invalid(`${name} must be an integer between ${min} and ${max}`);
  return n;
}

export function registerObserveRoutes(router: Router, deps: ControlDeps): void {
  router.get('/v1/metrics', ({ query }) => {
    const requested = (query.get('series') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (!requested.length || requested.length > 50)
      throw invalid('series must list 1 to 50 names, e.g. series=cpu,mem');
    const known = deps.metrics.listSeries();
    const names = new Set<string>();
    for (const r of requested) {
      if (r.endsWith('*')) {
        const prefix = r.slice(0, -1);
        if (!SERIES_NAME.test(prefix + 'x'))
          throw invalid('series names are lower-case letters, digits and . _ + -');
        for (const s of known) if (s.name.startsWith(prefix)) names.add(s.name);
      } else {
        if (!SERIES_NAME.test(r)) throw invalid('series names are lower-case letters, digits and . _ + -');
        names.add(r);
      }
    }
    const range = parseRange(query.get('range'));
    const now = Date.now();
    const to = intParam(query.get('to'), 'to', 0, now + 86_400_000, now);
    const points = intParam(query.get('points'), 'points', 10, 2000, deps.metricsPoints);
    const r = deps.metrics.query([...names], { from: to - range, to, points, now });
    const series: Record<string, { kind: string; unit: string; points: unknown[] }> = {};
    for (const name of names) {
      const s = r.series[name];
      // Three decimals are plenty for a graph and keep 30 days of 16 series small on the wire.
      const points = (s?.points ?? []).map((p) => ({
        t: p.t,
        v: round3(p.v),
        min: round3(p.min),
        max: round3(p.max),
      }));
      series[name] = { kind: s?.kind ?? 'gauge', unit: unitOf(name), points };
    }
    return { body: { from: r.from, to: r.to, stepMs: r.stepMs, tierStepMs: r.tierStepMs, series } };
  });

  router.get('/v1/metrics/series', () => {
    const latest = deps.metrics.latest();
    return {
      body: {
        series: deps.metrics.listSeries().map((s) => ({
          name: s.name,
          kind: s.kind,
          unit: unitOf(s.name),
          latest: latest[s.name] ? { t: latest[s.name]!.t, v: latest[s.name]!.v } : null,
        })),
      },
    };
  });

  router.get('/v1/queue', async ({ query }) => {
    const limit = intParam(query.get('limit'), 'limit', 1, 1000, 100);
    const all = await deps.outbound.list();
    const entries = await Promise.all(
      all.slice(0, limit).map(async (e) => {
        const state = await deps.deliveryState?.(e.id).catch(() => undefined);
        const base = {
          id: e.id,
          size: e.size,
          queuedAt: new Date(e.queuedAt).toISOString(),
          attempts: state?.attempts ?? 0,
          nextAttemptAt: new Date(state?.nextAttemptAt ?? e.queuedAt).toISOString(),
          lastError: state?.lastError ?? null,
          done: state?.done ?? [],
        };
        try {
          // Only the envelope is decrypted; the message itself is never read here.
          const env = await deps.outbound.readEnvelope(e.id);
          return { ...base, from: env.mailFrom, to: env.rcptTo, origin: env.origin };
        } catch {
          return { ...base, from: null, to: [], origin: null, unreadable: true };
        }
      }),
    );
    return { body: { total: all.length, entries } };
  });

  router.get('/v1/logs', async ({ query }) => {
    const level = query.get('level') ?? 'debug';
    if (!['debug', 'info', 'warn', 'error'].includes(level))
      throw invalid('level must be debug, info, warn or error');
    const roles = query.get('role')?.split(',').filter(Boolean);
    if (roles?.some((r) => !/^[a-z0-9+_-]{1,64}$/.test(r))) throw invalid('role must list role names');
    const sinceText = query.get('since');
    const since = sinceText ? new Date(sinceText) : undefined;
    if (since && Number.isNaN(since.getTime())) throw invalid('since must be an ISO date');
    const lines = await tailLogs(deps.logDir, {
      ...(roles ? { roles } : {}),
      level: level as LogLevel,
      ...(since ? { since } : {}),
      limit: intParam(query.get('limit'), 'limit', 1, 5000, 200),
    });
    return { body: { lines } };
  });
}
