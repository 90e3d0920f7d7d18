import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { describeError } from '../../app/errors';
import { unattendedUpgradesQuery, useSetUnattendedUpgrades } from '../../queries/upgrades';

/** The server's automatic OS security updates (Debian's unattended-upgrades), on or off. */
export function UnattendedUpgradesToggle({ serverId }: { serverId: string }) {
  const { t } = useTranslation();
  const state = useQuery(unattendedUpgradesQuery(serverId));
  const set = useSetUnattendedUpgrades();
  const enabled = state.data?.enabled ?? false;
  return (
    <section className="card" aria-labelledby="os-updates-title">
      <h2 id="os-updates-title">{t('updates.os.title')}</h2>
      <p className="muted small">{t('updates.os.explain')}</p>
      {state.data && (
        <label className="radio">
          <input
            type="checkbox"
            checked={enabled}
            disabled={set.isPending}
            onChange={(e) => set.mutate({ serverId, enabled: e.target.checked })}
          />
          {set.isPending ? t('updates.os.applying') : t('updates.os.toggle')}
        </label>
      )}
      {state.data && !state.data.installed && <p className="muted small">{t('updates.os.notInstalled')}</p>}
      {(state.error ?? set.error) && (
        <p className="banner error" role="alert">
          {describeError(t, (state.error ?? set.error)!)}
        </p>
      )}
    </section>
  );
}
