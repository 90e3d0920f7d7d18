import { useEffect, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { MetricsRange } from '../../../../shared/operate';
import { describeError } from '../../app/errors';
import { serverHealthQuery, serverMetricsQuery, serversOverviewQuery } from '../../queries/operate';
import { serversQuery } from '../../queries/servers';
import { RangePicker } from './RangePicker';
import { RolesList } from './RolesList';
import { ServersHealthList } from './ServersHealthList';
import './dashboard.css';

// recharts stays out of the app's first paint: its chunk is fetched as soon as the app has started,
// beside it, so the graphs are ready to draw when the page opens. Not React.lazy: a Suspense boundary reveals its content at most every
// 300 ms, which would be most of the time the graphs take to appear.
type ChartsModule = typeof import('./MetricsCharts');
let chartsModule: ChartsModule | undefined;
const loadCharts = (): Promise<ChartsModule> => import('./MetricsCharts').then((m) => (chartsModule = m));
setTimeout(() => void loadCharts(), 0);

function useChartsModule(): ChartsModule | undefined {
  const [loaded, setLoaded] = useState(chartsModule);
  useEffect(() => {
    if (!loaded) void loadCharts().then(setLoaded);
  }, [loaded]);
  return loaded;
}

// The range last chosen is kept for the next visit.
const RANGE_KEY = 'facteur-dashboard-range';
const savedRange = (): MetricsRange => {
  const saved = localStorage.getItem(RANGE_KEY);
  return saved === '1h' || saved === '7d' || saved === '30d' ? saved : '24h';
};

export function DashboardPage() {
  const { t } = useTranslation();
  const charts = useChartsModule();
  const servers = useQuery(serversQuery()); // local: lets the graphs start before every server has answered
  const overview = useQuery(serversOverviewQuery());
  const [chosen, setChosen] = useState('');
  const [range, setRange] = useState<MetricsRange>(savedRange);
  const notDeployed = new Set(
    overview.data?.servers.filter((s) => s.state === 'not-deployed').map((s) => s.serverId),
  );
  const serverId = chosen || servers.data?.find((s) => !notDeployed.has(s.id))?.id || '';
  const refreshMs = overview.data?.refreshMs ?? false;
  const health = useQuery(serverHealthQuery(serverId, refreshMs));
  const metrics = useQuery(serverMetricsQuery(serverId, range, refreshMs));
  const name = servers.data?.find((s) => s.id === serverId)?.name ?? '';

  return (
    <section aria-labelledby="page-title" className="dashboard">
      <header className="page-header">
        <div>
          <h1 id="page-title">{t('dashboard.title')}</h1>
          <p className="muted">{t('dashboard.intro')}</p>
        </div>
      </header>
      {servers.data?.length === 0 && <p className="empty">{t('dashboard.noServers')}</p>}
      {overview.error && (
        <p className="banner error" role="alert">
          {describeError(t, overview.error)}
        </p>
      )}
      {overview.data && overview.data.servers.length > 0 && (
        <ServersHealthList servers={overview.data.servers} selected={serverId} onSelect={setChosen} />
      )}
      {serverId !== '' && (
        <>
          <div className="toolbar dashboard-toolbar">
            <h2>{t('dashboard.serverTitle', { name })}</h2>
            <RangePicker
              value={range}
              onChange={(r) => {
                localStorage.setItem(RANGE_KEY, r);
                setRange(r);
              }}
            />
          </div>
          {(health.error ?? metrics.error) && (
            <p className="banner error" role="alert">
              {t('dashboard.unavailable', { detail: describeError(t, health.error ?? metrics.error) })}
            </p>
          )}
          <div className="dashboard-body">
            {health.data && <RolesList health={health.data} />}
            {(metrics.isPending || !charts) && !metrics.error && (
              <p role="status">{t('dashboard.loadingMetrics')}</p>
            )}
            {metrics.data && charts && <charts.default metrics={metrics.data} />}
          </div>
        </>
      )}
    </section>
  );
}
