import { useTranslation } from 'react-i18next';
import type { ServerProfile } from '../../../../shared/contract';
import { describeError } from '../../app/errors';
import { useCheckServer, useRemoveServer } from '../../queries/servers';
import { formatBytes, formatWhen } from './format';

export function ServerCard({ server }: { server: ServerProfile }) {
  const { t, i18n } = useTranslation();
  const check = useCheckServer();
  const remove = useRemoveServer();
  const f = server.facts;
  const locale = i18n.language;

  return (
    <article className="card" aria-labelledby={`server-${server.id}`}>
      <h2 id={`server-${server.id}`}>{server.name}</h2>
      <dl className="facts">
        <dt>{t('servers.address')}</dt>
        <dd>
          {server.user}@{server.host}:{server.port}
        </dd>
        <dt>{t('servers.hostKey')}</dt>
        <dd className="mono">{server.hostKeyFingerprint}</dd>
        {f && (
          <>
            <dt>{t('servers.os')}</dt>
            <dd data-fact="os">{f.os}</dd>
            <dt>{t('servers.arch')}</dt>
            <dd data-fact="arch">{f.arch}</dd>
            <dt>{t('servers.ram')}</dt>
            <dd data-fact="ram">{formatBytes(f.ramBytes, locale)}</dd>
            <dt>{t('servers.disk')}</dt>
            <dd data-fact="disk">
              {t('servers.diskValue', {
                free: formatBytes(f.diskFreeBytes, locale),
                total: formatBytes(f.diskTotalBytes, locale),
              })}
            </dd>
            <dt>{t('servers.docker')}</dt>
            <dd data-fact="docker">{f.dockerVersion ?? t('servers.dockerMissing')}</dd>
          </>
        )}
      </dl>
      <p className="muted small">
        {f ? t('servers.checkedAt', { when: formatWhen(f.checkedAt, locale) }) : t('servers.notChecked')}
      </p>
      {check.error && (
        <p className="banner error" role="alert">
          {describeError(t, check.error)}
        </p>
      )}
      <div className="actions">
        <button type="button" onClick={() => check.mutate(server.id)} disabled={check.isPending}>
          {check.isPending ? t('servers.checking') : t('servers.check')}
        </button>
        <button
          type="button"
          className="danger"
          onClick={() => {
            if (window.confirm(t('servers.confirmRemove', { name: server.name }))) remove.mutate(server.id);
          }}
        >
          {t('servers.remove')}
        </button>
      </div>
    </article>
  );
}
