import { useTranslation } from 'react-i18next';
import type { PreflightReport } from '../../../../shared/contract';
import { CheckItem } from '../../components/CheckItem';

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
          <CheckItem
            key={c.id}
            id={c.id}
            status={c.status}
            title={t(`setup.checks.${c.id}`)}
            statusLabel={t(`setup.status.${c.status}`)}
            value={c.value}
            message={t(`setup.messages.${c.id}.${c.status}`, { value: c.value, defaultValue: c.message })}
            fix={c.fix && t(`setup.fixes.${c.id}.${c.status}`, { value: c.value, defaultValue: c.fix })}
          />
        ))}
      </ul>
    </>
  );
}
