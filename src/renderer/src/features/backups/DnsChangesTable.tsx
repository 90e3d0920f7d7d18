import { useTranslation } from 'react-i18next';
import type { DnsChange } from '../../../../shared/backup';

/** After moving to a new server: each DNS record whose value changes, old and new. */
export function DnsChangesTable({
  changes,
  server,
  onOpenDns,
}: {
  changes: DnsChange[];
  server: string;
  onOpenDns: () => void;
}) {
  const { t } = useTranslation();
  return (
    <section aria-labelledby="backup-dns-title" data-testid="restore-dns-changes">
      <h3 id="backup-dns-title">{t('backups.dns.title')}</h3>
      {changes.length === 0 ? (
        <p>{t('backups.dns.none')}</p>
      ) : (
        <>
          <p className="muted">{t('backups.dns.intro', { server })}</p>
          <table className="services">
            <thead>
              <tr>
                <th scope="col">{t('backups.dns.type')}</th>
                <th scope="col">{t('backups.dns.name')}</th>
                <th scope="col">{t('backups.dns.from')}</th>
                <th scope="col">{t('backups.dns.to')}</th>
              </tr>
            </thead>
            <tbody>
              {changes.map((c) => (
                <tr key={`${c.type} ${c.name}`}>
                  <td>{c.type}</td>
                  <td className="mono">{c.name}</td>
                  <td className="mono">{c.from}</td>
                  <td className="mono">
                    <strong>{c.to}</strong>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <button type="button" className="primary" onClick={onOpenDns}>
        {t('backups.dns.open', { server })}
      </button>
    </section>
  );
}
