import { useTranslation } from 'react-i18next';
import type { RecoverySheet } from '../../../../shared/recovery-kit';

/** The printable sheet, drawn in the page (printed alone through the print style sheet). */
export function RecoverySheetView({ sheet }: { sheet: RecoverySheet }) {
  const { t } = useTranslation();
  return (
    <article className="recovery-sheet" data-testid="recovery-sheet">
      <h2>{t('settings.kit.sheet.title')}</h2>
      <p className="muted">
        {t('settings.kit.sheet.intro', { date: new Date(sheet.createdAt).toLocaleString() })}
      </p>
      <dl>
        <dt>{t('settings.kit.sheet.file')}</dt>
        <dd>
          <code>{sheet.fileName}</code>
        </dd>
        <dt>{t('settings.kit.sheet.sha256')}</dt>
        <dd>
          <code>{sheet.kitSha256.match(/.{1,4}/g)?.join(' ')}</code>
        </dd>
      </dl>
      <p>
        <strong>{t('settings.kit.sheet.passphrase')}</strong>
      </p>
      <div className="write-here" />
      {sheet.servers.length === 0 && <p>{t('settings.kit.sheet.noServers')}</p>}
      {sheet.servers.map((s) => (
        <section key={`${s.address}-${s.name}`}>
          <h3>{s.name}</h3>
          <dl>
            <dt>{t('settings.kit.sheet.address')}</dt>
            <dd>
              <code>{s.address}</code>
            </dd>
            <dt>{t('settings.kit.sheet.fingerprint')}</dt>
            <dd>
              <code>{s.hostKeyFingerprint}</code>
            </dd>
            <dt>{t('settings.kit.sheet.backupLocation')}</dt>
            <dd>
              {s.backupLocation ? <code>{s.backupLocation}</code> : t('settings.kit.sheet.unknownLocation')}
            </dd>
            <dt>{t('settings.kit.sheet.backupKey')}</dt>
            <dd>{s.backupKey ? <code>{s.backupKey}</code> : t('settings.kit.sheet.noBackupKey')}</dd>
          </dl>
        </section>
      ))}
      <p className="muted small">{t('settings.kit.sheet.howTo')}</p>
    </article>
  );
}
