import { useTranslation } from 'react-i18next';
import type { ServerSummary } from '../../../../shared/operate';

/** Every server with its state in one plain line; choosing one shows its graphs below. */
export function ServersHealthList({
  servers,
  selected,
  onSelect,
}: {
  servers: readonly ServerSummary[];
  selected: string;
  onSelect: (serverId: string) => void;
}) {
  const { t } = useTranslation();
  const line = (s: ServerSummary): string => {
    switch (s.state) {
      case 'ok':
        return t('dashboard.state.ok', { count: s.rolesTotal });
      case 'degraded':
        return t('dashboard.state.degraded', { roles: s.rolesDown.join(', '), count: s.rolesDown.length });
      case 'unreachable':
        return t('dashboard.state.unreachable', { problem: s.problem ?? '' });
      case 'not-deployed':
        return t('dashboard.state.notDeployed');
    }
  };
  return (
    <ul className="server-health-list" aria-label={t('dashboard.serversLabel')}>
      {servers.map((s) => (
        <li key={s.serverId} data-server={s.serverId} data-state={s.state}>
          <button
            type="button"
            className="server-health"
            aria-pressed={s.serverId === selected}
            disabled={s.state === 'not-deployed'}
            onClick={() => onSelect(s.serverId)}
          >
            <span className={`state-dot ${s.state}`} aria-hidden="true" />
            <span className="server-health-name">{s.name}</span>
            <span className="muted small">{s.host}</span>
            <span className="server-health-line">{line(s)}</span>
          </button>
        </li>
      ))}
    </ul>
  );
}
