import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useDeleteMailbox } from '../../queries/mail-admin';
import { ErrorBanner } from './ErrorBanner';

/** Deleting is final: the owner types the address again; a last backup is offered once backups exist. */
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
  const [typed, setTyped] = useState('');

  const submit = (e: FormEvent) => {
    e.preventDefault();
    remove.mutate({ serverId, address, confirmAddress: typed }, { onSuccess: onDone });
  };

  return (
    <form className="card danger-zone" role="alertdialog" aria-labelledby="delete-title" onSubmit={submit}>
      <h3 id="delete-title">{t('mail.delete.title', { address })}</h3>
      <p>{t('mail.delete.warning')}</p>
      <label className="checkbox">
        <input type="checkbox" disabled aria-describedby="backup-later" />
        {t('mail.delete.backupFirst')}
      </label>
      <p id="backup-later" className="muted small">
        {t('mail.delete.backupLater')}
      </p>
      <div className="field">
        <label htmlFor="delete-confirm">{t('mail.delete.typeAddress', { address })}</label>
        <input
          id="delete-confirm"
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          autoComplete="off"
        />
      </div>
      <ErrorBanner error={remove.error} />
      <button type="submit" className="danger" disabled={remove.isPending || typed.trim() !== address}>
        {t('mail.delete.confirm')}
      </button>{' '}
      <button type="button" onClick={onDone}>
        {t('common.cancel')}
      </button>
    </form>
  );
}
