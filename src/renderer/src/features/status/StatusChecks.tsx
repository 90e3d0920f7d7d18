import { useTranslation } from 'react-i18next';
import type { StatusCheck, StatusReport } from '../../../../shared/status';

const symbol: Record<StatusCheck['status'], string> = { ok: '✓', warn: '!', fail: '✗', unknown: '?' };

/** Each status check with its colour, what was found, the sentence and, when not green, the fix. */
export function StatusChecks({ report }: { report: StatusReport }) {
  const { t, i18n } = useTranslation();
  const problems = report.checks.filter((c) => c.status === 'fail' || c.status === 'warn').length;
  return (
    <>
      <p role="status" className={problems ? 'banner error' : 'banner success'}>
        {problems ? t('status.summary.problems', { count: problems }) : t('status.summary.ok')}{' '}
        <span className="muted">
          {t('status.ranAt', { time: new Date(report.ranAt).toLocaleTimeString(i18n.language) })}
        </span>
      </p>
      <ul className="checks" aria-label={t('status.results')}>
        {report.checks.map((c) => (
          <li key={c.id} className={`check ${c.status}`} data-check={c.id} data-status={c.status}>
            <span className="check-icon" aria-hidden="true">
              {symbol[c.status]}
            </span>
            <div>
              <div className="check-title">
                <strong>{t(`status.checks.${c.id}`)}</strong>
                <span className="check-status">{t(`status.state.${c.status}`)}</span>
                {c.value && <span className="muted mono">{c.value}</span>}
              </div>
              <p>{t(`status.messages.${c.id}.${c.reason}`, { ...c.params, defaultValue: c.message })}</p>
              {c.fix && c.status !== 'ok' && (
                <p className="fix">
                  {t(`status.fixes.${c.id}.${c.reason}`, { ...c.params, defaultValue: c.fix })}
                </p>
              )}
            </div>
          </li>
        ))}
      </ul>
    </>
  );
}
