import { useTranslation } from 'react-i18next';

export interface RestorePlan {
  kind: 'mailbox' | 'server';
  mailbox: string;
  /** Names of the server the backup comes from and of the one it is restored onto. */
  source: string;
  server: string;
  date: string;
}

/** Says exactly what a restore replaces, that the replaced files are kept aside, and that mail pauses. */
export function RestoreConfirm({
  plan,
  onConfirm,
  onCancel,
}: {
  plan: RestorePlan;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const what =
    plan.kind === 'mailbox'
      ? t('backups.restore.confirmMailbox', { address: plan.mailbox, server: plan.server, date: plan.date })
      : plan.source === plan.server
        ? t('backups.restore.confirmServer', { server: plan.server, date: plan.date })
        : t('backups.restore.confirmNew', { source: plan.source, server: plan.server, date: plan.date });
  return (
    <div className="card danger-zone" role="alertdialog" aria-labelledby="restore-confirm-title">
      <h3 id="restore-confirm-title">{t('backups.restore.confirmTitle')}</h3>
      <p>{what}</p>
      <p>{t('backups.restore.keptAside', { server: plan.server })}</p>
      <p className="muted">{t('backups.restore.pause', { server: plan.server })}</p>
      <div className="actions">
        <button type="button" className="primary" onClick={onConfirm}>
          {t('backups.restore.confirm')}
        </button>
        <button type="button" onClick={onCancel}>
          {t('common.cancel')}
        </button>
      </div>
    </div>
  );
}
