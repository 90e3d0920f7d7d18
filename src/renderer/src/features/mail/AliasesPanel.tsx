import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { aliasesQuery, useAddAlias, useRemoveAlias } from '../../queries/mail-admin';
import { ErrorBanner } from './ErrorBanner';

/** Aliases and forwards (to local or outside addresses); `@domain` is the domain's catch-all. */
export function AliasesPanel({ serverId }: { serverId: string }) {
  const { t } = useTranslation();
  const aliases = useQuery(aliasesQuery(serverId));
  const add = useAddAlias();
  const remove = useRemoveAlias();
  const [address, setAddress] = useState('');
  const [destinations, setDestinations] = useState('');

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const list = destinations
      .split(/[\s,;]+/)
      .map((d) => d.trim())
      .filter(Boolean);
    add.mutate(
      { serverId, address: address.trim(), destinations: list },
      {
        onSuccess: () => {
          setAddress('');
          setDestinations('');
        },
      },
    );
  };

  return (
    <section className="card" aria-labelledby="aliases-title">
      <h2 id="aliases-title">{t('mail.aliases.title')}</h2>
      <p className="muted">{t('mail.aliases.intro')}</p>
      <ErrorBanner error={aliases.error ?? add.error ?? remove.error} />
      <table className="services">
        <thead>
          <tr>
            <th scope="col">{t('mail.aliases.address')}</th>
            <th scope="col">{t('mail.aliases.destinations')}</th>
            <th scope="col">
              <span className="visually-hidden">{t('mail.actions')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {aliases.data?.map((a) => (
            <tr key={a.address} data-alias={a.address}>
              <td className="mono">
                {a.catchAll
                  ? t('mail.aliases.catchAll', { domain: a.address.slice(a.address.indexOf('@') + 1) })
                  : a.address}
              </td>
              <td className="mono">{a.destinations.join(', ')}</td>
              <td>
                <button
                  type="button"
                  className="link"
                  aria-label={t('mail.aliases.removeLabel', { address: a.address })}
                  onClick={() => remove.mutate({ serverId, address: a.address })}
                >
                  {t('mail.remove')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form onSubmit={submit}>
        <div className="field">
          <label htmlFor="alias-address">{t('mail.aliases.address')}</label>
          <input
            id="alias-address"
            value={address}
            placeholder="sales@example.org"
            onChange={(e) => setAddress(e.target.value)}
            required
          />
          <small>{t('mail.aliases.addressHelp')}</small>
        </div>
        <div className="field">
          <label htmlFor="alias-destinations">{t('mail.aliases.destinations')}</label>
          <input
            id="alias-destinations"
            value={destinations}
            placeholder="alice@example.org, bob@elsewhere.net"
            onChange={(e) => setDestinations(e.target.value)}
            required
          />
          <small>{t('mail.aliases.destinationsHelp')}</small>
        </div>
        <button type="submit" disabled={add.isPending}>
          {t('mail.aliases.addButton')}
        </button>
      </form>
    </section>
  );
}
