import { useTranslation } from 'react-i18next';
import type { OperationProgress } from '../deploy/use-operation-progress';
import { ProgressBar } from '../deploy/ProgressBar';

/** The phase of a backup, restore or copy in words, its bar and its percent, from its progress events. */
export function BackupProgress({ progress, label }: { progress: OperationProgress; label: string }) {
  const { t } = useTranslation();
  const current = progress.current;
  const phase = current?.message ?? current?.step ?? 'starting';
  const percent =
    current?.total !== undefined && current.total > 0
      ? Math.min(100, Math.round((current.done / current.total) * 100))
      : undefined;
  return (
    <div className="operation" data-testid="backup-progress">
      <ProgressBar label={label} done={current?.done ?? 0} total={current?.total} />
      <p className="muted small" aria-live="polite">
        <span data-phase={phase}>{t(`backups.phase.${phase}`, { defaultValue: phase })}</span>
        {percent !== undefined && <> — {t('backups.percent', { percent })}</>}
      </p>
    </div>
  );
}
