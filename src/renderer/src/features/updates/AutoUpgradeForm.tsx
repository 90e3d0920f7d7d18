import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type { UpgradeSettings } from '../../../../shared/upgrade';
import { useTranslation } from 'react-i18next';
import { describeError } from '../../app/errors';
import { upgradeSettingsQuery, useSetUpgradeSettings } from '../../queries/upgrades';

/** Scheduled auto-upgrade (a daily window) and the optional registry the image comes from. */
export function AutoUpgradeForm({ serverId }: { serverId: string }) {
  const { t } = useTranslation();
  const settings = useQuery(upgradeSettingsQuery(serverId));
  if (settings.error)
    return (
      <p className="banner error" role="alert">
        {describeError(t, settings.error)}
      </p>
    );
  return settings.data ? (
    <AutoUpgradeFields key={serverId} serverId={serverId} initial={settings.data} />
  ) : null;
}

function AutoUpgradeFields({ serverId, initial }: { serverId: string; initial: UpgradeSettings }) {
  const { t } = useTranslation();
  const save = useSetUpgradeSettings();
  const [enabled, setEnabled] = useState(initial.autoUpgrade.enabled);
  const [window, setWindow] = useState(initial.autoUpgrade.window);
  const [registry, setRegistry] = useState(initial.registry);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate({ serverId, settings: { registry: registry.trim(), autoUpgrade: { enabled, window } } });
  };

  return (
    <form className="card" onSubmit={submit} aria-labelledby="auto-upgrade-title">
      <h2 id="auto-upgrade-title">{t('updates.auto.title')}</h2>
      <div className="field">
        <label className="radio">
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
          {t('updates.auto.enable')}
        </label>
      </div>
      <div className="field">
        <label htmlFor="auto-upgrade-window">{t('updates.auto.window')}</label>
        <input
          id="auto-upgrade-window"
          type="time"
          value={window}
          required
          onChange={(e) => setWindow(e.target.value)}
        />
        <small>{t('updates.auto.windowHelp')}</small>
      </div>
      <div className="field">
        <label htmlFor="upgrade-registry">{t('updates.auto.registry')}</label>
        <input
          id="upgrade-registry"
          value={registry}
          placeholder="registry.example.org/facteur-server:1.0.0"
          onChange={(e) => setRegistry(e.target.value)}
        />
        <small>{t('updates.auto.registryHelp')}</small>
      </div>
      {save.error && (
        <p className="banner error" role="alert">
          {describeError(t, save.error)}
        </p>
      )}
      {save.isSuccess && (
        <p className="banner success" role="status">
          {t('updates.auto.saved')}
        </p>
      )}
      <button type="submit" className="primary" disabled={save.isPending}>
        {t('updates.auto.save')}
      </button>
    </form>
  );
}
