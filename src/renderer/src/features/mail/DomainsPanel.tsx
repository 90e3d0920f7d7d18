import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { domainsQuery, useAddDomain, useRemoveDomain } from '../../queries/mail-admin';
import { ErrorBanner } from './ErrorBanner';

export function DomainsPanel({ serverId }: { serverId: string }) {
  const { t } = useTranslation();
  const domains = useQuery(domainsQuery(serverId));
  const add = useAddDomain();
  const remove = useRemoveDomain();
  const [name, setName] = useState('');

  const submit = (e: FormEvent) => {
    e.preventDefault();
    add.mutate({ serverId, name: name.trim() }, { onSuccess: () => setName('') });
  };

  return (
    <section className="card" aria-labelledby="domains-title">
      <h2 id="domains-title">{t('mail.domains.title')}</h2>
      <ErrorBanner error={domains.error ?? add.error ?? remove.error} />
      <table className="services">
        <thead>
          <tr>
            <th scope="col">{t('mail.domains.name')}</th>
            <th scope="col">{t('mail.domains.mailboxes')}</th>
            <th scope="col">{t('mail.domains.aliases')}</th>
            <th scope="col">
              <span className="visually-hidden">{t('mail.actions')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {domains.data?.map((d) => (
            <tr key={d.name} data-domain={d.name}>
              <td className="mono">{d.name}</td>
              <td>{d.mailboxes}</td>
              <td>{d.aliases}</td>
              <td>
                <button
                  type="button"
                  className="link"
                  aria-label={t('mail.domains.removeLabel', { domain: d.name })}
                  disabled={remove.isPending}
                  onClick={() => remove.mutate({ serverId, name: d.name })}
                >
                  {t('mail.remove')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form onSubmit={submit} className="inline-form">
        <div className="field">
          <label htmlFor="domain-name">{t('mail.domains.add')}</label>
          <input
            id="domain-name"
            value={name}
            placeholder="example.org"
            onChange={(e) => setName(e.target.value)}
            required
          />
        </div>
        <button type="submit" disabled={add.isPending}>
          {t('mail.domains.addButton')}
        </button>
      </form>
    </section>
  );
}
