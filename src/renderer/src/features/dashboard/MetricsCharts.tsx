/**
 * The dashboard's graphs, drawn with recharts. Loaded on demand (React.lazy) so the rest of the
 * app paints without the charting library. The server sends a few hundred points per series
 * whatever the range, and the lines draw without dots or animation, so 30 days stay smooth.
 */
import { memo, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { MetricsRange, ServerMetrics } from '../../../../shared/operate';
import { chartRows } from './chart-data';
import { chartSpecs, seriesColors, type ChartSpec } from './chart-specs';
import { formatStep, formatValue, timeFormatter } from './format';

const CHART_HEIGHT = 170;

function MetricsChartsView({ metrics }: { metrics: ServerMetrics }) {
  return (
    <div className="charts">
      {chartSpecs.map((spec) => (
        <Chart key={spec.id} spec={spec} metrics={metrics} />
      ))}
    </div>
  );
}

const Chart = memo(function Chart({ spec, metrics }: { spec: ChartSpec; metrics: ServerMetrics }) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const rows = useMemo(() => chartRows(metrics.series, spec.series), [metrics.series, spec.series]);
  const titleId = `chart-${spec.id}-title`;
  const title = t(`dashboard.chart.${spec.id}` as 'dashboard.chart.cpu');
  const value = (v: number) => formatValue(spec.kind, v, locale);
  const time = timeFormatter(metrics.range as MetricsRange, locale);
  const last = rows[rows.length - 1];
  return (
    <figure className="chart card" data-chart={spec.id} data-points={rows.length} aria-labelledby={titleId}>
      <figcaption id={titleId}>
        <strong>{title}</strong>
        {spec.perBucket && (
          <span className="muted small">
            {' '}
            {t('dashboard.perBucket', { step: formatStep(metrics.stepMs, locale) })}
          </span>
        )}
        {last && (
          <span className="chart-latest">
            {spec.series
              .filter((s) => last[s] !== undefined)
              .map(
                (s) =>
                  `${spec.series.length > 1 ? `${t(`dashboard.series.${s}` as 'dashboard.series.cpu')} ` : ''}${value(last[s]!)}`,
              )
              .join(' · ')}
          </span>
        )}
      </figcaption>
      {rows.length === 0 ? (
        <p className="muted chart-empty">{t('dashboard.noData')}</p>
      ) : (
        <ResponsiveContainer
          width="100%"
          height={CHART_HEIGHT}
          initialDimension={{ width: 400, height: CHART_HEIGHT }}
        >
          <LineChart data={rows} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
            <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" vertical={false} />
            <XAxis
              dataKey="t"
              type="number"
              scale="time"
              domain={[metrics.from, metrics.to]}
              tickFormatter={time}
              tick={{ fill: 'var(--muted)', fontSize: 11 }}
              stroke="var(--border)"
              minTickGap={40}
            />
            <YAxis
              width={64}
              tickFormatter={value}
              tick={{ fill: 'var(--muted)', fontSize: 11 }}
              stroke="var(--border)"
              domain={spec.kind === 'percent' ? [0, 100] : [0, 'auto']}
              allowDecimals={spec.kind !== 'count'}
            />
            <Tooltip
              labelFormatter={(t) => new Date(Number(t)).toLocaleString(locale)}
              formatter={(v, name) => [
                value(Number(v)),
                t(`dashboard.series.${String(name)}` as 'dashboard.series.cpu'),
              ]}
              contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)' }}
            />
            {spec.series.length > 1 && (
              <Legend formatter={(name) => t(`dashboard.series.${String(name)}` as 'dashboard.series.cpu')} />
            )}
            {spec.series.map((s) => (
              <Line
                key={s}
                dataKey={s}
                name={s}
                type="monotone"
                stroke={seriesColors[s]}
                strokeWidth={1.5}
                dot={false}
                isAnimationActive={false}
                connectNulls={false}
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      )}
    </figure>
  );
});

export default MetricsChartsView;
