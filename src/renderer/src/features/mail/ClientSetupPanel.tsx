import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { clientSetupQuery, useAppleProfile, useSendTestEmail } from '../../queries/mail-admin';
import { ClientSettingsList } from '../mailbox/ClientSettingsList';
import { ErrorBanner } from './ErrorBanner';

function download(fileName: string, mimeType: string, content: string): void {
  const url = URL.createObjectURL(new Blob([content], { type: mimeType }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** How to set up a mail app: the settings, a QR code, an Apple profile and a test email. */
export function ClientSetupPanel({ serverId, address }: { serverId: string; address: string }) {
  const { t } = useTranslation();
  const setup = useQuery(clientSetupQuery(serverId, address));
  const profile = useAppleProfile();
  const test = useSendTestEmail();
  const [withPassword, setWithPassword] = useState(false);

  return (
    <section aria-labelledby="client-setup-title">
      <h3 id="client-setup-title">{t('mail.setup.title')}</h3>
      <ErrorBanner error={setup.error} />
      {setup.data && (
        <>
          <ClientSettingsList settings={setup.data.settings} />
          <figure className="qr" data-testid="qr-code">
            <img
              src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(setup.data.qrSvg)}`}
              alt={t('mail.setup.qrAlt', { address })}
              width={220}
              height={220}
            />
            <figcaption className="muted small">{t('mail.setup.qrCaption')}</figcaption>
          </figure>
        </>
      )}
      <h4>{t('mail.setup.appleTitle')}</h4>
      <p className="muted">{t('mail.setup.appleIntro')}</p>
      <label className="checkbox">
        <input type="checkbox" checked={withPassword} onChange={(e) => setWithPassword(e.target.checked)} />
        {t('mail.setup.applePassword')}
      </label>
      <button
        type="button"
        disabled={profile.isPending}
        onClick={() =>
          profile.mutate(
            { serverId, address, includePassword: withPassword },
            { onSuccess: (p) => download(p.fileName, p.mimeType, p.content) },
          )
        }
      >
        {t('mail.setup.appleDownload')}
      </button>
      {profile.data && (
        <p className="muted small" role="status">
          {t('mail.setup.appleDone', { file: profile.data.fileName })}
        </p>
      )}
      <ErrorBanner error={profile.error} />
      <h4>{t('mail.setup.testTitle')}</h4>
      <p className="muted">{t('mail.setup.testIntro')}</p>
      <button type="button" disabled={test.isPending} onClick={() => test.mutate({ serverId, address })}>
        {test.isPending ? t('mail.setup.testSending') : t('mail.setup.testSend')}
      </button>
      {test.data && (
        <p
          className={`banner ${test.data.status === 'delivered' ? 'success' : 'error'}`}
          role="status"
          data-testid="test-email-result"
        >
          {test.data.status === 'delivered'
            ? t('mail.setup.testDelivered', { address })
            : t('mail.setup.testFailed')}{' '}
          <span className="muted small">{test.data.detail}</span>
        </p>
      )}
      <ErrorBanner error={test.error} />
    </section>
  );
}
