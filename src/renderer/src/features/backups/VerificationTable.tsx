import { useTranslation } from 'react-i18next';
import type { RestoreVerification } from '../../../../shared/backup';

/** After a restore: what each mailbox holds, counted by opening it with the recovery key. */
export function VerificationTable({
  verification,
  highlight,
}: {
  verification: RestoreVerification;
  /** The mailbox just restored, when only one was. */
  highlight?: string;
}) {
  const { t, i18n } = useTranslation();
  const n = (v: number) => new Intl.NumberFormat(i18n.language).format(v);
  return (
    <table className="services" data-testid="restore-verification">
      <caption className="visually-hidden">{t('backups.verify.title')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('backups.verify.address')}</th>
          <th scope="col">{t('backups.verify.messages')}</th>
          <th scope="col">{t('backups.verify.events')}</th>
          <th scope="col">{t('backups.verify.contacts')}</th>
          <th scope="col">{t('backups.verify.state')}</th>
        </tr>
      </thead>
      <tbody>
        {verification.mailboxes.map((m) => (
          <tr key={m.address} data-verified={m.address} aria-current={m.address === highlight || undefined}>
            <td className="mono">{m.address}</td>
            <td data-count="messages">{n(m.messages)}</td>
            <td data-count="events">{n(m.events)}</td>
            <td data-count="contacts">{n(m.contacts)}</td>
            <td className={m.integrity === 'ok' ? 'svc ok' : 'svc bad'}>
              {m.integrity === 'ok'
                ? t('backups.verify.sound')
                : t('backups.verify.damaged', { detail: m.integrity })}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
