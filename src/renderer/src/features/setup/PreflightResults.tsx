import { useTranslation } from 'react-i18next';
import type { PreflightCheck, PreflightReport } from '../../../../shared/contract';

const symbol: Record<PreflightCheck['status'], string> = { ok: '✓', warn: '!', fail: '✗', unknown: '?' };

/** The preflight's checks, each with its plain sentence and, when not green, what to do. */
export function PreflightResults({ report }: { report: PreflightReport }) {
  const { t } = useTranslation();
  const failures = report.checks.filter((c) => c.status === 'fail').length;
  return (
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
              <p>{t(`setup.messages.${c.id}.${c.status}`, { value: c.value, defaultValue: c.message })}</p>
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
  );
}
