import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { backupSettingsQuery, useRunBackup } from '../../queries/backups';
import { useDeleteMailbox } from '../../queries/mail-admin';
import { BackupProgress } from '../backups/BackupProgress';
import { newOperationId, useOperationProgress } from '../deploy/use-operation-progress';
import { ErrorBanner } from './ErrorBanner';

/** Deleting is final: the owner types the address again; a last backup is made first when backups are on. */
export function DeleteMailboxDialog({
  serverId,
  address,
  onDone,
}: {
  serverId: string;
  address: string;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const remove = useDeleteMailbox();
  const backup = useRunBackup();
  const backups = useQuery(backupSettingsQuery(serverId));
  const canBackUp = backups.data?.enabled === true && backups.data.hasKey;
  const [backupFirst, setBackupFirst] = useState(true);
  const [operationId, setOperationId] = useState<string>();
  const progress = useOperationProgress(operationId);
  const [typed, setTyped] = useState('');

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (canBackUp && backupFirst) {
      const id = newOperationId();
      setOperationId(id);
      // No backup, no deletion: a failed backup stops here and says why.
      const made = await backup.mutateAsync({ serverId, operationId: id }).catch(() => undefined);
      if (!made) return;
    }
    remove.mutate({ serverId, address, confirmAddress: typed }, { onSuccess: onDone });
  };
  const busy = remove.isPending || backup.isPending;

  return (
    <form
      className="card danger-zone"
      role="alertdialog"
      aria-labelledby="delete-title"
      onSubmit={(e) => void submit(e)}
    >
      <h3 id="delete-title">{t('mail.delete.title', { address })}</h3>
      <p>{t('mail.delete.warning')}</p>
      <label className="checkbox">
        <input
          type="checkbox"
          disabled={!canBackUp || busy}
          checked={canBackUp && backupFirst}
          aria-describedby="backup-first-help"
          onChange={(e) => setBackupFirst(e.target.checked)}
        />
        {t('mail.delete.backupFirst')}
      </label>
      <p id="backup-first-help" className="muted small">
        {canBackUp ? t('mail.delete.backupKept') : t('mail.delete.backupLater')}
      </p>
      {backup.isPending && <BackupProgress progress={progress} label={t('backups.run.progressLabel')} />}
      <div className="field">
        <label htmlFor="delete-confirm">{t('mail.delete.typeAddress', { address })}</label>
        <input
          id="delete-confirm"
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          autoComplete="off"
        />
      </div>
      <ErrorBanner error={backup.error ?? remove.error} />
      <button type="submit" className="danger" disabled={busy || typed.trim() !== address}>
        {backup.isPending ? t('backups.run.running') : t('mail.delete.confirm')}
      </button>{' '}
      <button type="button" onClick={onDone}>
        {t('common.cancel')}
      </button>
    </form>
  );
}
