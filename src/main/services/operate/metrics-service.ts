/**
 * The dashboard's graphs: the server's own metrics store, asked through the control API for a
 * range and a few hundred points per series (the server downsamples; 30 days stay light).
 */
import {
  dashboardSeries,
  type MetricSeries,
  type MetricsRange,
  type ServerMetrics,
} from '../../../shared/operate';
import type { ControlAccess } from '../mail/control-access';

/** What GET /v1/metrics answers (server-bundle/src/control/routes/observe-routes.ts). */
interface MetricsAnswer {
  from: number;
  to: number;
  stepMs: number;
  series: Record<string, { kind: 'gauge' | 'count'; unit: string; points: Array<{ t: number; v: number }> }>;
}

export class MetricsService {
  constructor(
    private readonly control: Pick<ControlAccess, 'with'>,
    /** Points asked per series (config.operate.metricsPoints). */
    private readonly points: number,
  ) {}

  async metrics(serverId: string, range: MetricsRange): Promise<ServerMetrics> {
    const query = new URLSearchParams({
      series: dashboardSeries.join(','),
      range,
      points: String(this.points),
    });
    const answer = await this.control.with(serverId, ({ api }) =>
      api.get<MetricsAnswer>(`/v1/metrics?${query.toString()}`),
    );
    const series: MetricSeries[] = dashboardSeries.map((name) => {
      const s = answer.series[name];
      return {
        name,
        kind: s?.kind ?? 'gauge',
        unit: s?.unit ?? '',
        points: (s?.points ?? []).map((p) => ({ t: p.t, v: p.v })),
      };
    });
    return { serverId, range, from: answer.from, to: answer.to, stepMs: answer.stepMs, series };
  }
}
