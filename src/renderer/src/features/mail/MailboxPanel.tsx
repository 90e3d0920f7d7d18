import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { mailboxDetailsQuery, useResetPassword } from '../../queries/mail-admin';
import { AppPasswordsPanel } from './AppPasswordsPanel';
import { ClientSetupPanel } from './ClientSetupPanel';
import { DeleteMailboxDialog } from './DeleteMailboxDialog';
import { ErrorBanner } from './ErrorBanner';
import { SecretOnce } from './SecretOnce';

/** One mailbox: reset its password, its app passwords, setting up mail apps, deleting it. */
export function MailboxPanel({
  serverId,
  address,
  onDeleted,
}: {
  serverId: string;
  address: string;
  onDeleted: () => void;
}) {
  const { t } = useTranslation();
  const mailbox = useQuery(mailboxDetailsQuery(serverId)).data?.find((m) => m.address === address);
  const reset = useResetPassword();
  const [deleting, setDeleting] = useState(false);
  if (!mailbox) return null;

  return (
    <section className="card" aria-labelledby="mailbox-title" data-testid="mailbox-panel">
      <h2 id="mailbox-title">{address}</h2>
      <h3>{t('mail.reset.title')}</h3>
      <p className="muted">{t('mail.reset.intro')}</p>
      <button type="button" disabled={reset.isPending} onClick={() => reset.mutate({ serverId, address })}>
        {reset.isPending ? t('mail.working') : t('mail.reset.button')}
      </button>
      {reset.data && (
        <SecretOnce
          title={t('mail.reset.newPassword')}
          secret={reset.data.password}
          testId="reset-password"
        />
      )}
      <ErrorBanner error={reset.error} />
      <AppPasswordsPanel serverId={serverId} mailbox={mailbox} />
      <ClientSetupPanel serverId={serverId} address={address} />
      <h3>{t('mail.delete.section')}</h3>
      {deleting ? (
        <DeleteMailboxDialog
          serverId={serverId}
          address={address}
          onDone={() => {
            setDeleting(false);
            onDeleted();
          }}
        />
      ) : (
        <button type="button" className="danger" onClick={() => setDeleting(true)}>
          {t('mail.delete.open')}
        </button>
      )}
    </section>
  );
}
