import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { describeError } from '../../app/errors';
import { useCreateMailbox } from '../../queries/mailbox';
import { CopyButton } from '../dns/CopyButton';
import { ClientSettingsList } from './ClientSettingsList';

/** The first mailbox: its password is shown here once and never again. */
export function FirstMailboxPanel({ serverId, domain }: { serverId: string; domain: string }) {
  const { t } = useTranslation();
  const create = useCreateMailbox();
  const [typed, setAddress] = useState<string | null>(null);
  const address = typed ?? (domain ? `you@${domain.trim().toLowerCase()}` : '');

  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({ serverId, address: address.trim() });
  };
  const created = create.data;

  if (created)
    return (
      <div data-testid="mailbox-created">
        <p className="banner success" role="status">
          {t('mailbox.created', { address: created.mailbox.address })}
        </p>
        <div className="password-once" role="group" aria-labelledby="password-title">
          <h3 id="password-title">{t('mailbox.passwordTitle')}</h3>
          <p>
            <strong>{t('mailbox.writeItDown')}</strong>
          </p>
          <div className="cell-copy">
            <code className="secret" data-testid="mailbox-password">
              {created.password}
            </code>
            <CopyButton text={created.password} label={t('mailbox.copyPassword')} />
          </div>
        </div>
        <ClientSettingsList settings={created.settings} />
      </div>
    );

  return (
    <form onSubmit={submit}>
      <div className="field">
        <label htmlFor="mailbox-address">{t('mailbox.address')}</label>
        <input
          id="mailbox-address"
          type="email"
          value={address}
          placeholder="you@example.org"
          onChange={(e) => setAddress(e.target.value)}
          required
        />
        <small>{t('mailbox.addressHelp')}</small>
      </div>
      {create.error && (
        <p className="banner error" role="alert">
          {describeError(t, create.error)}
        </p>
      )}
      <button type="submit" className="primary" disabled={create.isPending}>
        {create.isPending ? t('mailbox.creating') : t('mailbox.create')}
      </button>
    </form>
  );
}
