import { useTranslation } from 'react-i18next';
import type { OperationProgress } from '../deploy/use-operation-progress';
import { ProgressBar } from '../deploy/ProgressBar';
import { formatBytes } from './format';

/** Steps whose message names the server's phase (staging, uploading, checking…). */
const PHASED = new Set(['backup', 'restore']);
/** Steps that count bytes (the copy on this laptop, down or up). */
const IN_BYTES = new Set(['download', 'upload']);

/**
 * The phase of a backup, restore or copy in words, its bar, and its percent and bytes (a backup's
 * upload carries them beside its percent), from its progress events.
 */
export function BackupProgress({ progress, label }: { progress: OperationProgress; label: string }) {
  const { t, i18n } = useTranslation();
  const current = progress.current;
  const step = current?.step ?? 'backup';
  const phase = PHASED.has(step) ? (current?.message ?? 'starting') : undefined;
  const known = current?.total !== undefined && current.total > 0;
  const percent = known ? Math.min(100, Math.round((current.done / current.total!) * 100)) : undefined;
  return (
    <div className="operation" data-testid="backup-progress">
      <ProgressBar label={label} done={current?.done ?? 0} total={current?.total} />
      <p className="muted small" aria-live="polite">
        <span data-phase={phase ?? step}>
          {phase
            ? t(`backups.phase.${phase}`, { defaultValue: phase })
            : t(`backups.step.${step}`, { defaultValue: step })}
        </span>
        {current?.bytesTotal !== undefined && current.bytesTotal > 0 && (
          <span data-bytes={`${current.bytesDone ?? 0}/${current.bytesTotal}`}>
            {' — '}
            {t('deploy.bytesOf', {
              done: formatBytes(current.bytesDone ?? 0, i18n.language),
              total: formatBytes(current.bytesTotal, i18n.language),
            })}
          </span>
        )}
        {known && IN_BYTES.has(step) && (
          <>
            {' — '}
            {t('deploy.bytesOf', {
              done: formatBytes(current.done, i18n.language),
              total: formatBytes(current.total!, i18n.language),
            })}
          </>
        )}
        {percent !== undefined && <> — {t('backups.percent', { percent })}</>}
      </p>
    </div>
  );
}
