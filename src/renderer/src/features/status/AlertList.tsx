import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { alertsQuery, useAlertFeed } from '../../queries/status';

/** The desktop alerts raised since Facteur started (also shown as system notifications). */
export function AlertList() {
  const { t, i18n } = useTranslation();
  useAlertFeed();
  const alerts = useQuery(alertsQuery());
  return (
    <section aria-labelledby="alerts-title">
      <h2 id="alerts-title">{t('status.alerts.title')}</h2>
      {!alerts.data?.length ? (
        <p className="muted">{t('status.alerts.none')}</p>
      ) : (
        <ul className="checks" aria-label={t('status.alerts.title')}>
          {alerts.data.map((a) => (
            <li
              key={a.id}
              className={`check ${a.severity === 'problem' ? 'fail' : 'ok'}`}
              data-alert={a.kind}
            >
              <span className="check-icon" aria-hidden="true">
                {a.severity === 'problem' ? '✗' : '✓'}
              </span>
              <div>
                <div className="check-title">
                  <strong>
                    {t(`status.alerts.kinds.${a.kind}.title`, { ...a.params, defaultValue: a.title })}
                  </strong>
                  <span className="muted">{new Date(a.at).toLocaleString(i18n.language)}</span>
                </div>
                <p>{t(`status.alerts.kinds.${a.kind}.body`, { ...a.params, defaultValue: a.body })}</p>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
