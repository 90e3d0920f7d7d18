import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { BackupList, BackupSettings } from '../../../../shared/backup';
import { ErrorDetails } from '../deploy/ErrorDetails';
import { useDownloadBackups, useRunBackup } from '../../queries/backups';
import { formatDuration } from '../deploy/format';
import { newOperationId, useOperationProgress } from '../deploy/use-operation-progress';
import { BackupProgress } from './BackupProgress';
import { formatBytes, formatWhen } from './format';

/** "Back up now" with its progress and outcome; the copy on this laptop brought up to date. */
export function BackUpNowPanel({ settings, list }: { settings: BackupSettings; list?: BackupList }) {
  const { t, i18n } = useTranslation();
  const bytes = (n: number) => formatBytes(n, i18n.language);
  const run = useRunBackup();
  const download = useDownloadBackups();
  const [runId, setRunId] = useState<string>();
  const [copyId, setCopyId] = useState<string>();
  const runProgress = useOperationProgress(runId);
  const copyProgress = useOperationProgress(copyId);
  const serverId = settings.serverId;

  const backUp = () => {
    const operationId = newOperationId();
    setRunId(operationId);
    // A copy on this laptop follows each backup made from Facteur.
    run.mutate({ serverId, operationId }, { onSuccess: () => settings.keepLaptopCopy && bringCopy() });
  };
  const bringCopy = () => {
    const operationId = newOperationId();
    setCopyId(operationId);
    download.mutate({ serverId, operationId });
  };

  return (
    <section className="card" aria-labelledby="backup-now-title">
      <h2 id="backup-now-title">{t('backups.run.title')}</h2>
      <div className="actions">
        <button type="button" className="primary" disabled={run.isPending} onClick={backUp}>
          {run.isPending ? t('backups.run.running') : t('backups.run.button')}
        </button>
        {settings.keepLaptopCopy && (
          <button type="button" disabled={download.isPending || run.isPending} onClick={bringCopy}>
            {download.isPending ? t('backups.run.downloading') : t('backups.run.download')}
          </button>
        )}
      </div>
      {run.isPending && <BackupProgress progress={runProgress} label={t('backups.run.progressLabel')} />}
      {run.error && <ErrorDetails error={run.error} lead={t('backups.run.failed')} />}
      {run.data && (
        <p className="banner success" role="status" data-testid="backup-done">
          {t('backups.run.done', {
            size: bytes(run.data.size),
            added: bytes(run.data.added),
            duration: formatDuration(t, run.data.seconds),
          })}{' '}
          {run.data.verified ? t('backups.run.verified') : t('backups.run.notVerified')}
        </p>
      )}
      {download.isPending && (
        <BackupProgress progress={copyProgress} label={t('backups.run.downloadLabel')} />
      )}
      {download.error && <ErrorDetails error={download.error} />}
      {download.data ? (
        <p className="banner success" role="status">
          {t('backups.run.downloaded', {
            size: bytes(download.data.bytes),
            files: download.data.files,
            new: bytes(download.data.bytesDownloaded),
            path: download.data.path,
          })}
        </p>
      ) : (
        list?.laptopCopy && (
          <p className="muted small">
            {t('backups.run.laptopCopy', {
              size: bytes(list.laptopCopy.bytes),
              when: formatWhen(list.laptopCopy.updatedAt, i18n.language),
            })}
          </p>
        )
      )}
    </section>
  );
}
