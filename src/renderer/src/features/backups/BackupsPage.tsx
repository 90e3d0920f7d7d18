import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorDetails } from '../deploy/ErrorDetails';
import { backupContentsQuery, backupListQuery, backupSettingsQuery } from '../../queries/backups';
import { serversQuery } from '../../queries/servers';
import { prefillDnsForm } from '../dns/DnsPage';
import { BackUpNowPanel } from './BackUpNowPanel';
import { BackupContentsPanel } from './BackupContentsPanel';
import { BackupSettingsForm } from './BackupSettingsForm';
import { BackupStatusLine } from './BackupStatusLine';
import { BackupTable } from './BackupTable';
import { RestorePanel } from './RestorePanel';
import './backups.css';

/** The Backups page of one server: on/off and where, "Back up now", the backups kept, and restores. */
export function BackupsPage({ onOpenDns }: { onOpenDns: () => void }) {
  const { t } = useTranslation();
  const servers = useQuery(serversQuery());
  const [serverId, setServerId] = useState('');
  const selected = serverId || servers.data?.[0]?.id || '';
  const [snapshotId, setSnapshotId] = useState('');
  const settings = useQuery(backupSettingsQuery(selected));
  // Listed while off too: the backups made stay restorable.
  const list = useQuery(backupListQuery(selected, settings.data?.configured === true));
  const contents = useQuery(backupContentsQuery(selected, snapshotId));

  const openDns = (id: string, domain: string) => {
    prefillDnsForm({ serverId: id, domain, mailHost: '', ipv4: '', ipv6: '' });
    onOpenDns();
  };

  return (
    <section aria-labelledby="page-title">
      <div className="page-header">
        <div>
          <h1 id="page-title">{t('backups.title')}</h1>
          <p className="muted">{t('backups.intro')}</p>
        </div>
        {(servers.data?.length ?? 0) > 1 && (
          <div className="field">
            <label htmlFor="backups-server">{t('backups.server')}</label>
            <select
              id="backups-server"
              value={selected}
              onChange={(e) => {
                setServerId(e.target.value);
                setSnapshotId('');
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
      {selected === '' && servers.data && <p className="muted">{t('backups.noServer')}</p>}
      {settings.error && <ErrorDetails error={settings.error} />}
      {settings.isLoading && <p className="muted">{t('common.loading')}</p>}
      {settings.data && (
        <div className="backups">
          <BackupStatusLine settings={settings.data} list={list.data} />
          <div className="backups-grid">
            <BackupSettingsForm key={selected} settings={settings.data} />
            {settings.data.configured && (
              <BackUpNowPanel key={selected} settings={settings.data} list={list.data} />
            )}
          </div>
          {settings.data.configured && (
            <section className="card" aria-labelledby="backups-list-title">
              <h2 id="backups-list-title">{t('backups.list.title')}</h2>
              {list.error && <ErrorDetails error={list.error} />}
              {list.data && (
                <BackupTable snapshots={list.data.snapshots} selected={snapshotId} onSelect={setSnapshotId} />
              )}
              {contents.error && <ErrorDetails error={contents.error} />}
              {contents.isLoading && <p className="muted">{t('common.loading')}</p>}
              {contents.data && (
                <div className="backup-detail">
                  <BackupContentsPanel contents={contents.data} />
                  <RestorePanel
                    key={`${selected}/${snapshotId}`}
                    serverId={selected}
                    servers={servers.data ?? []}
                    contents={contents.data}
                    hasLaptopCopy={list.data?.laptopCopy !== undefined}
                    keptOnServer={settings.data.target.kind === 'local'}
                    onOpenDns={openDns}
                  />
                </div>
              )}
            </section>
          )}
        </div>
      )}
    </section>
  );
}
