import { useTranslation } from 'react-i18next';
import type { StatusReport } from '../../../../shared/status';
import { CheckItem } from '../../components/CheckItem';

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
          <CheckItem
            key={c.id}
            id={c.id}
            status={c.status}
            title={t(`status.checks.${c.id}`)}
            statusLabel={t(`status.state.${c.status}`)}
            value={c.value}
            message={t(`status.messages.${c.id}.${c.reason}`, { ...c.params, defaultValue: c.message })}
            fix={c.fix && t(`status.fixes.${c.id}.${c.reason}`, { ...c.params, defaultValue: c.fix })}
          />
        ))}
      </ul>
    </>
  );
}
