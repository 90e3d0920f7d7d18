import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { upgradeSteps } from '../../../../shared/upgrade';
import { describeError } from '../../app/errors';
import { ServerPageHeader } from '../../components/ServerPageHeader';
import { serversQuery } from '../../queries/servers';
import { upgradeVersionsQuery } from '../../queries/upgrades';
import { AutoUpgradeForm } from './AutoUpgradeForm';
import { UnattendedUpgradesToggle } from './UnattendedUpgradesToggle';
import { UpgradePanel } from './UpgradePanel';

/** The Updates page of one server: versions and changes, "Upgrade", OS security updates, auto-upgrade. */
export function UpdatesPage() {
  const { t } = useTranslation();
  const servers = useQuery(serversQuery());
  const [serverId, setServerId] = useState('');
  const selected = serverId || servers.data?.[0]?.id || '';
  const versions = useQuery(upgradeVersionsQuery(selected));

  return (
    <section aria-labelledby="page-title">
      <ServerPageHeader
        title={t('updates.title')}
        intro={t('updates.intro')}
        pickerId="updates-server"
        pickerLabel={t('updates.server')}
        servers={servers.data}
        selected={selected}
        onSelect={setServerId}
      />
      {selected === '' && servers.data && <p className="muted">{t('updates.noServer')}</p>}
      {versions.error && (
        <p className="banner error" role="alert">
          {describeError(t, versions.error)}
        </p>
      )}
      {versions.data && (
        <section className="card" aria-labelledby="versions-title">
          <h2 id="versions-title">{t('updates.versions.title')}</h2>
          <dl className="facts">
            <dt>{t('updates.versions.running')}</dt>
            <dd data-testid="running-version">{versions.data.running ?? t('updates.versions.none')}</dd>
            <dt>{t(`updates.versions.available.${versions.data.source}`)}</dt>
            <dd>{versions.data.available}</dd>
          </dl>
          {versions.data.changes.length > 0 && (
            <>
              <h3>{t('updates.versions.changes')}</h3>
              {versions.data.changes.map((c) => (
                <div key={c.version}>
                  <h4>
                    {c.version}
                    {c.date && <span className="muted small"> — {c.date}</span>}
                  </h4>
                  <ul>
                    {c.changes.map((line) => (
                      <li key={line}>{line}</li>
                    ))}
                  </ul>
                </div>
              ))}
            </>
          )}
          {versions.data.deployed && (
            <UpgradePanel
              serverId={selected}
              available={versions.data.upgradeAvailable}
              version={versions.data.available}
              steps={upgradeSteps}
            />
          )}
        </section>
      )}
      {selected !== '' && <UnattendedUpgradesToggle serverId={selected} />}
      {selected !== '' && <AutoUpgradeForm serverId={selected} />}
    </section>
  );
}
