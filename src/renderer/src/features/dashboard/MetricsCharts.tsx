/**
 * The dashboard's graphs, drawn with recharts. Loaded on demand (React.lazy) so the rest of the
 * app paints without the charting library. The server sends a few hundred points per series
 * whatever the range, and the lines draw without dots or animation, so 30 days stay smooth.
 */
import { memo, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CartesianGrid, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
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
  const [figure, width] = useContentWidth<HTMLElement>();
  const [pointed, setPointed] = useState(false);
  return (
    <figure
      ref={figure}
      onPointerEnter={() => setPointed(true)}
      className="chart card"
      data-chart={spec.id}
      data-points={rows.length}
      aria-labelledby={titleId}
    >
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
        {spec.series.length > 1 && (
          // An HTML legend: recharts' own measures itself in the page, a second render per graph.
          <span className="chart-legend">
            {spec.series.map((s) => (
              <span key={s} className="chart-legend-item">
                <i style={{ background: seriesColors[s] }} aria-hidden="true" />
                {t(`dashboard.series.${s}` as 'dashboard.series.cpu')}
              </span>
            ))}
          </span>
        )}
      </figcaption>
      {rows.length === 0 ? (
        <p className="muted chart-empty">{t('dashboard.noData')}</p>
      ) : (
        width > 0 && (
          <LineChart
            width={width}
            height={CHART_HEIGHT}
            data={rows}
            margin={{ top: 8, right: 12, bottom: 0, left: 0 }}
          >
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
            {/* Mounted on the first hover: eight idle tooltips cost more than drawing the lines. */}
            {pointed && (
              <Tooltip
                labelFormatter={(t) => new Date(Number(t)).toLocaleString(locale)}
                formatter={(v, name) => [
                  value(Number(v)),
                  t(`dashboard.series.${String(name)}` as 'dashboard.series.cpu'),
                ]}
                contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)' }}
              />
            )}
            {spec.series.map((s) => (
              <Line
                key={s}
                dataKey={s}
                name={s}
                type="linear"
                stroke={seriesColors[s]}
                strokeWidth={1.5}
                dot={false}
                isAnimationActive={false}
                connectNulls={false}
              />
            ))}
          </LineChart>
        )
      )}
    </figure>
  );
});

/**
 * The element's content width, read before the first paint and again when it is resized: each graph
 * is drawn once at its real size (recharts' ResponsiveContainer draws at a guess, then again).
 */
function useContentWidth<T extends HTMLElement>(): [React.RefObject<T | null>, number] {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => {
      const style = getComputedStyle(el);
      setWidth(Math.floor(el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight)));
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}

export default MetricsChartsView;
