import { useTranslation } from 'react-i18next';
import type { ClientSettings } from '../../../../shared/mailbox';

/** What a mail app asks for, in plain words: one line per way in or out. */
export function ClientSettingsList({ settings }: { settings: ClientSettings }) {
  const { t } = useTranslation();
  const endpoints = [...settings.incoming, ...settings.outgoing];
  return (
    <div data-testid="client-settings">
      <h3>{t('mailbox.settingsTitle')}</h3>
      <p className="muted">{t('mailbox.settingsIntro')}</p>
      <table className="services">
        <thead>
          <tr>
            <th scope="col">{t('mailbox.kind')}</th>
            <th scope="col">{t('mailbox.server')}</th>
            <th scope="col">{t('mailbox.port')}</th>
            <th scope="col">{t('mailbox.security')}</th>
          </tr>
        </thead>
        <tbody>
          {endpoints.map((e) => (
            <tr key={`${e.protocol}-${e.port}`} data-endpoint={`${e.protocol}-${e.port}`}>
              <td>{t(`mailbox.protocol.${e.protocol}`)}</td>
              <td className="mono">{e.host}</td>
              <td className="mono">{e.port}</td>
              <td>{t(`mailbox.securityKind.${e.security}`)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>
        {t('mailbox.username')} <strong className="mono">{settings.username}</strong>
      </p>
      <p className="muted small">{t('mailbox.autoconfig')}</p>
    </div>
  );
}
