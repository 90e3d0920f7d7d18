import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { serversQuery } from '../../queries/servers';
import { AliasesPanel } from './AliasesPanel';
import { DomainsPanel } from './DomainsPanel';
import { MailboxesPanel } from './MailboxesPanel';
import { MailboxPanel } from './MailboxPanel';

/** Mail administration of one server: domains, mailboxes, aliases, and one mailbox's details. */
export function MailPage() {
  const { t } = useTranslation();
  const servers = useQuery(serversQuery());
  const [serverId, setServerId] = useState('');
  const selected = serverId || servers.data?.[0]?.id || '';
  const [address, setAddress] = useState('');

  return (
    <section aria-labelledby="page-title">
      <div className="page-header">
        <div>
          <h1 id="page-title">{t('mail.title')}</h1>
          <p className="muted">{t('mail.intro')}</p>
        </div>
        {(servers.data?.length ?? 0) > 1 && (
          <div className="field">
            <label htmlFor="mail-server">{t('mail.server')}</label>
            <select
              id="mail-server"
              value={selected}
              onChange={(e) => {
                setServerId(e.target.value);
                setAddress('');
              }}
            >
              {servers.data?.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          </div>
        )}
      </div>
      {selected === '' ? (
        <p className="muted">{t('mail.noServer')}</p>
      ) : (
        <div className="mail-grid">
          <MailboxesPanel serverId={selected} selected={address} onSelect={setAddress} />
          {address && <MailboxPanel serverId={selected} address={address} onDeleted={() => setAddress('')} />}
          <AliasesPanel serverId={selected} />
          <DomainsPanel serverId={selected} />
        </div>
      )}
    </section>
  );
}
