import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { serversQuery } from '../../queries/servers';
import { AddServerForm } from './AddServerForm';
import { ServerCard } from './ServerCard';

export function ServersPage() {
  const { t } = useTranslation();
  const servers = useQuery(serversQuery());
  const [adding, setAdding] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);

  return (
    <section aria-labelledby="page-title">
      <header className="page-header">
        <div>
          <h1 id="page-title">{t('servers.title')}</h1>
          <p className="muted">{t('servers.intro')}</p>
        </div>
        {!adding && (
          <button type="button" className="primary" onClick={() => setAdding(true)}>
            {t('servers.add')}
          </button>
        )}
      </header>
      {notice && (
        <p className="banner success" role="status">
          {notice}
        </p>
      )}
      {adding && (
        <AddServerForm
          onCancel={() => setAdding(false)}
          onAdded={(name) => {
            setAdding(false);
            setNotice(t('addServer.added', { name }));
          }}
        />
      )}
      {servers.isPending && <p>{t('common.loading')}</p>}
      {servers.data?.length === 0 && !adding && <p className="empty">{t('servers.empty')}</p>}
      <div className="cards">
        {servers.data?.map((s) => (
          <ServerCard key={s.id} server={s} />
        ))}
      </div>
    </section>
  );
}
