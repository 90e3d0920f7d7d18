import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ServerPageHeader } from '../../components/ServerPageHeader';
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
      <ServerPageHeader
        title={t('mail.title')}
        intro={t('mail.intro')}
        pickerId="mail-server"
        pickerLabel={t('mail.server')}
        servers={servers.data}
        selected={selected}
        onSelect={(id) => {
          setServerId(id);
          setAddress('');
        }}
      />
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
