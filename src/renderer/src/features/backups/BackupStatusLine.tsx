import { useTranslation } from 'react-i18next';
import type { BackupList, BackupSettings } from '../../../../shared/backup';
import { formatWhen } from './format';

/** One glance: are backups on, when was the last one, when is the next, and what to do after a failure. */
export function BackupStatusLine({ settings, list }: { settings: BackupSettings; list?: BackupList }) {
  const { t, i18n } = useTranslation();
  const when = (iso: string) => formatWhen(iso, i18n.language);
  const status = list?.status;
  const lastGood = status?.lastSuccessAt ?? settings.lastBackupAt;

  let tone: 'ok' | 'warn' | 'fail' = 'ok';
  const lines: string[] = [];
  if (!settings.enabled) {
    tone = 'warn';
    lines.push(t(settings.configured ? 'backups.status.paused' : 'backups.status.off'));
    if (settings.configured && lastGood) lines.push(t('backups.status.ok', { when: when(lastGood) }));
  } else if (status?.state === 'failed') {
    tone = 'fail';
    lines.push(
      t('backups.status.failed', {
        when: when(status.lastRunAt ?? new Date().toISOString()),
        error: status.error ?? '',
      }),
      lastGood ? t('backups.status.lastGood', { when: when(lastGood) }) : t('backups.status.noGood'),
      t('backups.status.failedFix'),
    );
  } else if (status?.state === 'running') {
    lines.push(t('backups.status.running'));
    if (lastGood) lines.push(t('backups.status.ok', { when: when(lastGood) }));
  } else if (!lastGood) {
    lines.push(t('backups.status.never'));
  } else {
    lines.push(t('backups.status.ok', { when: when(lastGood) }));
  }
  if (settings.enabled && settings.nextBackupAt && status?.state !== 'running')
    lines.push(t('backups.status.next', { when: when(settings.nextBackupAt) }));
  if (settings.enabled && !settings.hasKey) {
    tone = tone === 'fail' ? 'fail' : 'warn';
    lines.push(t('backups.status.noKey'));
  }

  return (
    <section
      className={`check backup-status ${tone}`}
      aria-labelledby="backup-status-title"
      data-testid="backup-status"
    >
      <h2 id="backup-status-title" className="check-title">
        {t('backups.status.title')}
      </h2>
      {lines.map((line) => (
        <p key={line}>{line}</p>
      ))}
    </section>
  );
}
