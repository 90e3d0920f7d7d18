import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { mailboxDetailsQuery, useSetQuota, useSetState } from '../../queries/mail-admin';
import { useCreateMailbox } from '../../queries/mailbox';
import { ErrorBanner } from './ErrorBanner';
import { formatBytes } from './mail-errors';
import { SecretOnce } from './SecretOnce';

const MB = 1024 * 1024;

/** Every mailbox with its use and quota; a new one gets a generated password, shown once. */
export function MailboxesPanel({
  serverId,
  selected,
  onSelect,
}: {
  serverId: string;
  selected: string;
  onSelect: (address: string) => void;
}) {
  const { t } = useTranslation();
  const mailboxes = useQuery(mailboxDetailsQuery(serverId));
  const create = useCreateMailbox();
  const quota = useSetQuota();
  const state = useSetState();
  const [address, setAddress] = useState('');
  const [quotaMb, setQuotaMb] = useState<Record<string, string>>({});

  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate(
      { serverId, address: address.trim() },
      {
        onSuccess: (made) => {
          setAddress('');
          void mailboxes.refetch();
          onSelect(made.mailbox.address);
        },
      },
    );
  };

  return (
    <section className="card" aria-labelledby="mailboxes-title">
      <h2 id="mailboxes-title">{t('mail.mailboxes.title')}</h2>
      <ErrorBanner error={mailboxes.error ?? create.error ?? quota.error ?? state.error} />
      <table className="services">
        <thead>
          <tr>
            <th scope="col">{t('mailbox.address')}</th>
            <th scope="col">{t('mail.mailboxes.used')}</th>
            <th scope="col">{t('mail.mailboxes.quota')}</th>
            <th scope="col">{t('mail.mailboxes.state')}</th>
            <th scope="col">
              <span className="visually-hidden">{t('mail.actions')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {mailboxes.data?.map((m) => {
            const typed = quotaMb[m.address] ?? (m.quotaBytes ? String(Math.round(m.quotaBytes / MB)) : '');
            return (
              <tr key={m.id} data-mailbox={m.address} aria-selected={m.address === selected}>
                <td>
                  <button type="button" className="link mono" onClick={() => onSelect(m.address)}>
                    {m.address}
                  </button>
                </td>
                <td>
                  {t('mail.mailboxes.usage', { size: formatBytes(m.usedBytes), count: m.usedMessages })}
                </td>
                <td>
                  <form
                    className="inline-form"
                    onSubmit={(e) => {
                      e.preventDefault();
                      const mb = Number(typed);
                      quota.mutate({
                        serverId,
                        address: m.address,
                        quotaBytes: typed.trim() === '' || mb <= 0 ? null : Math.round(mb * MB),
                      });
                    }}
                  >
                    <input
                      type="number"
                      min={0}
                      className="narrow"
                      aria-label={t('mail.mailboxes.quotaLabel', { address: m.address })}
                      placeholder={t('mail.mailboxes.noLimit')}
                      value={typed}
                      onChange={(e) => setQuotaMb({ ...quotaMb, [m.address]: e.target.value })}
                    />{' '}
                    MB{' '}
                    <button type="submit" className="link" disabled={quota.isPending}>
                      {t('mail.mailboxes.setQuota')}
                    </button>
                  </form>
                </td>
                <td>{t(`mail.mailboxes.states.${m.state}`)}</td>
                <td>
                  <button
                    type="button"
                    className="link"
                    disabled={state.isPending}
                    onClick={() =>
                      state.mutate({
                        serverId,
                        address: m.address,
                        state: m.state === 'active' ? 'disabled' : 'active',
                      })
                    }
                  >
                    {m.state === 'active' ? t('mail.mailboxes.disable') : t('mail.mailboxes.enable')}
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {create.data && (
        <SecretOnce
          title={t('mail.mailboxes.passwordOf', { address: create.data.mailbox.address })}
          secret={create.data.password}
          testId="mailbox-password"
        />
      )}
      <form onSubmit={submit}>
        <div className="field">
          <label htmlFor="new-mailbox">{t('mail.mailboxes.new')}</label>
          <input
            id="new-mailbox"
            type="email"
            value={address}
            placeholder="bob@example.org"
            onChange={(e) => setAddress(e.target.value)}
            required
          />
        </div>
        <button type="submit" className="primary" disabled={create.isPending}>
          {create.isPending ? t('mailbox.creating') : t('mailbox.create')}
        </button>
      </form>
    </section>
  );
}
