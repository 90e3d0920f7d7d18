import { useTranslation } from 'react-i18next';
import type { BackupContents } from '../../../../shared/backup';
import { formatBytes, formatWhen } from './format';

/** What one backup holds: its mailboxes with their sizes, its domains, and the rest of the server's state. */
export function BackupContentsPanel({ contents }: { contents: BackupContents }) {
  const { t, i18n } = useTranslation();
  const bytes = (n: number) => formatBytes(n, i18n.language);
  // Main names the other parts in English; a language may translate them by that name.
  const names = t('backups.contents.names', { returnObjects: true }) as Record<string, string>;
  return (
    <section aria-labelledby="backup-contents-title" data-testid="backup-contents">
      <h3 id="backup-contents-title">
        {t('backups.contents.title', { date: formatWhen(contents.time, i18n.language) })}
      </h3>
      <h4>{t('backups.contents.mailboxes')}</h4>
      {contents.mailboxes.length === 0 ? (
        <p className="muted">{t('backups.contents.noMailbox')}</p>
      ) : (
        <table className="services">
          <thead>
            <tr>
              <th scope="col">{t('backups.contents.address')}</th>
              <th scope="col">{t('backups.contents.size')}</th>
            </tr>
          </thead>
          <tbody>
            {contents.mailboxes.map((m) => (
              <tr key={m.address} data-backup-mailbox={m.address}>
                <td className="mono">{m.address}</td>
                <td>{bytes(m.size)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h4>{t('backups.contents.domains')}</h4>
      {contents.domains.length === 0 ? (
        <p className="muted">{t('backups.contents.noDomain')}</p>
      ) : (
        <ul className="plain-list">
          {contents.domains.map((d) => (
            <li key={d} className="mono">
              {d}
            </li>
          ))}
        </ul>
      )}
      <h4>{t('backups.contents.other')}</h4>
      <ul className="plain-list">
        {contents.other.length === 0 && <li>{t('backups.contents.always')}</li>}
        {contents.other.map((o) => (
          <li key={o.name}>
            {names[o.name] ?? o.name}
            {o.size > 0 && <span className="muted"> — {bytes(o.size)}</span>}
          </li>
        ))}
      </ul>
    </section>
  );
}
