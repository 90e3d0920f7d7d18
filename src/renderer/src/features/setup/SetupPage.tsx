import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { PreflightCheck } from '../../../../shared/contract';
import { describeError } from '../../app/errors';
import { serversQuery } from '../../queries/servers';
import { useRunPreflight } from '../../queries/preflight';

const symbol: Record<PreflightCheck['status'], string> = { ok: '✓', warn: '!', fail: '✗', unknown: '?' };

/** Step one of setup: check the server can host Facteur, with a fix for everything that is not green. */
export function SetupPage() {
  const { t } = useTranslation();
  const servers = useQuery(serversQuery());
  const preflight = useRunPreflight();
  const [serverId, setServerId] = useState('');
  const selected = serverId || servers.data?.[0]?.id || '';

  if (servers.data?.length === 0) {
    return (
      <section aria-labelledby="page-title">
        <h1 id="page-title">{t('setup.title')}</h1>
        <p className="empty">{t('setup.noServer')}</p>
      </section>
    );
  }
  const report = preflight.data;
  const failures = report?.checks.filter((c) => c.status === 'fail').length ?? 0;

  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">{t('setup.title')}</h1>
      <p className="muted">{t('setup.intro')}</p>
      <div className="toolbar">
        <label htmlFor="setup-server">{t('setup.server')}</label>
        <select id="setup-server" value={selected} onChange={(e) => setServerId(e.target.value)}>
          {servers.data?.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </select>
        <button
          type="button"
          className="primary"
          disabled={!selected || preflight.isPending}
          onClick={() => preflight.mutate(selected)}
        >
          {preflight.isPending ? t('setup.checking') : report ? t('setup.checkAgain') : t('setup.check')}
        </button>
      </div>
      {preflight.error && (
        <p className="banner error" role="alert">
          {describeError(t, preflight.error)}
        </p>
      )}
      {report && (
        <>
          <p role="status" className={failures ? 'banner error' : 'banner success'}>
            {failures ? t('setup.blocked', { count: failures }) : t('setup.ready')}
          </p>
          <ul className="checks" aria-label={t('setup.results')}>
            {report.checks.map((c) => (
              <li key={c.id} className={`check ${c.status}`} data-check={c.id} data-status={c.status}>
                <span className="check-icon" aria-hidden="true">
                  {symbol[c.status]}
                </span>
                <div>
                  <div className="check-title">
                    <strong>{t(`setup.checks.${c.id}`)}</strong>
                    <span className="check-status">{t(`setup.status.${c.status}`)}</span>
                    {c.value && <span className="muted mono">{c.value}</span>}
                  </div>
                  <p>
                    {t(`setup.messages.${c.id}.${c.status}`, { value: c.value, defaultValue: c.message })}
                  </p>
                  {c.fix && c.status !== 'ok' && (
                    <p className="fix">
                      {t(`setup.fixes.${c.id}.${c.status}`, { value: c.value, defaultValue: c.fix })}
                    </p>
                  )}
                </div>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
