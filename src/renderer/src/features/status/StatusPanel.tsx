import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { describeError } from '../../app/errors';
import { serversQuery } from '../../queries/servers';
import { statusReportQuery } from '../../queries/status';
import { AlertEmailsForm } from './AlertEmailsForm';
import { AlertList } from './AlertList';
import { StatusChecks } from './StatusChecks';

/** The Status page: every check of a server, "Check again", and the alerts raised while Facteur runs. */
export function StatusPanel() {
  const { t } = useTranslation();
  const servers = useQuery(serversQuery());
  const [serverId, setServerId] = useState('');
  const selected = serverId || servers.data?.[0]?.id || '';
  const report = useQuery(statusReportQuery(selected));

  return (
    <section aria-labelledby="status-title">
      <h1 id="status-title">{t('status.title')}</h1>
      <p className="muted">{t('status.intro')}</p>
      {servers.data?.length === 0 ? (
        <p className="muted">{t('status.noServers')}</p>
      ) : (
        <div className="toolbar">
          <label htmlFor="status-server">{t('status.server')}</label>
          <select id="status-server" value={selected} onChange={(e) => setServerId(e.target.value)}>
            {servers.data?.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
          <button
            type="button"
            className="primary"
            disabled={!selected || report.isFetching}
            onClick={() => void report.refetch()}
          >
            {report.isFetching ? t('status.running') : t('status.run')}
          </button>
        </div>
      )}
      {report.error && !report.isFetching && (
        <p className="banner error" role="alert">
          {describeError(t, report.error)}
        </p>
      )}
      {report.isFetching && !report.data && <p className="muted">{t('status.running')}</p>}
      {report.data && <StatusChecks report={report.data} />}
      {selected && <AlertEmailsForm key={selected} serverId={selected} />}
      <AlertList />
    </section>
  );
}
