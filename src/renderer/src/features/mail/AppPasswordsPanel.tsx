import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { MailboxDetails } from '../../../../shared/admin';
import { useCreateAppPassword, useRevokeAppPassword } from '../../queries/mail-admin';
import { ErrorBanner } from './ErrorBanner';
import { SecretOnce } from './SecretOnce';

/** One password per device, each able to open the mailbox alone, each revocable alone. */
export function AppPasswordsPanel({ serverId, mailbox }: { serverId: string; mailbox: MailboxDetails }) {
  const { t, i18n } = useTranslation();
  const create = useCreateAppPassword();
  const revoke = useRevokeAppPassword();
  const [label, setLabel] = useState('');

  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate(
      { serverId, address: mailbox.address, label: label.trim() },
      { onSuccess: () => setLabel('') },
    );
  };

  return (
    <section aria-labelledby="app-passwords-title">
      <h3 id="app-passwords-title">{t('mail.appPasswords.title')}</h3>
      <p className="muted">{t('mail.appPasswords.intro')}</p>
      {mailbox.appPasswords.length === 0 ? (
        <p className="muted">{t('mail.appPasswords.none')}</p>
      ) : (
        <ul className="plain-list" data-testid="app-passwords">
          {mailbox.appPasswords.map((a) => (
            <li key={a.id} data-app-password={a.label}>
              <strong>{a.label}</strong>{' '}
              <span className="muted small">
                {t('mail.appPasswords.created', {
                  date: new Date(a.createdAt).toLocaleString(i18n.language),
                })}
              </span>{' '}
              <button
                type="button"
                className="link"
                aria-label={t('mail.appPasswords.revokeLabel', { label: a.label })}
                disabled={revoke.isPending}
                onClick={() => revoke.mutate({ serverId, address: mailbox.address, id: a.id })}
              >
                {t('mail.appPasswords.revoke')}
              </button>
            </li>
          ))}
        </ul>
      )}
      {create.data && (
        <SecretOnce
          title={t('mail.appPasswords.shownOnce', { label: create.data.label })}
          secret={create.data.password}
          testId="app-password"
        />
      )}
      <form onSubmit={submit}>
        <div className="field">
          <label htmlFor="app-password-label">{t('mail.appPasswords.label')}</label>
          <input
            id="app-password-label"
            value={label}
            placeholder={t('mail.appPasswords.labelPlaceholder')}
            onChange={(e) => setLabel(e.target.value)}
            required
          />
        </div>
        <button type="submit" disabled={create.isPending}>
          {create.isPending ? t('mail.working') : t('mail.appPasswords.create')}
        </button>
      </form>
      <ErrorBanner error={create.error ?? revoke.error} />
    </section>
  );
}
