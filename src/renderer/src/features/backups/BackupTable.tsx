import { useTranslation } from 'react-i18next';
import type { BackupSnapshot } from '../../../../shared/backup';
import { formatBytes, formatWhen } from './format';

/** Every backup kept, newest first: date, size, what it added, and whether it was read back and checked. */
export function BackupTable({
  snapshots,
  selected,
  onSelect,
}: {
  snapshots: BackupSnapshot[];
  selected: string;
  onSelect: (id: string) => void;
}) {
  const { t, i18n } = useTranslation();
  const bytes = (n: number) => formatBytes(n, i18n.language);
  const newest = [...snapshots].sort((a, b) => b.time.localeCompare(a.time));
  if (newest.length === 0) return <p className="muted">{t('backups.list.empty')}</p>;
  return (
    <table className="services backups-table">
      <thead>
        <tr>
          <th scope="col">{t('backups.list.date')}</th>
          <th scope="col">{t('backups.list.size')}</th>
          <th scope="col">{t('backups.list.added')}</th>
          <th scope="col">{t('backups.list.mailboxes')}</th>
          <th scope="col">{t('backups.list.checked')}</th>
        </tr>
      </thead>
      <tbody>
        {newest.map((s) => {
          const date = formatWhen(s.time, i18n.language);
          return (
            <tr key={s.id} data-backup={s.id} aria-selected={s.id === selected}>
              <td>
                <button
                  type="button"
                  className="link"
                  aria-label={t('backups.list.open', { date })}
                  onClick={() => onSelect(s.id)}
                >
                  {date}
                </button>
              </td>
              <td>{bytes(s.size)}</td>
              <td>{s.added === undefined ? '—' : bytes(s.added)}</td>
              <td>{s.mailboxes}</td>
              <td>
                <span className={`tag ${s.verified ? 'ok' : 'warn'}`}>
                  {s.verified ? t('backups.list.verified') : t('backups.list.notVerified')}
                </span>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
