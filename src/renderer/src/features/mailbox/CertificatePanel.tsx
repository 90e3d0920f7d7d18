import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { CertificateStatus } from '../../../../shared/mailbox';
import { describeError } from '../../app/errors';
import { certificateStatusQuery, useRequestCertificate } from '../../queries/mailbox';
import { formatWhen } from '../servers/format';

/** The server's TLS certificate: what it covers, until when, and a request to the certificate authority. */
export function CertificatePanel({ serverId }: { serverId: string }) {
  const { t } = useTranslation();
  const [watching, setWatching] = useState(false);
  const status = useQuery(certificateStatusQuery(serverId, true, watching));
  const request = useRequestCertificate();

  const ask = () => {
    setWatching(true);
    request.mutate({ serverId, force: false });
  };
  const cert = status.data;
  const waiting = watching && cert !== undefined && cert.selfSigned && !cert.acme?.lastError;

  return (
    <div>
      {status.error && (
        <p className="banner error" role="alert">
          {describeError(t, status.error)}
        </p>
      )}
      {cert && <CertificateFacts cert={cert} />}
      {cert?.acme?.lastError && (
        <p className="banner error" role="alert">
          {t('certificate.failed', { error: cert.acme.lastError })}
        </p>
      )}
      {request.error && (
        <p className="banner error" role="alert">
          {describeError(t, request.error)}
        </p>
      )}
      {waiting && (
        <p className="muted" role="status">
          {t('certificate.waiting')}
        </p>
      )}
      <button type="button" className="primary" onClick={ask} disabled={request.isPending || waiting}>
        {cert && !cert.selfSigned ? t('certificate.renew') : t('certificate.request')}
      </button>
    </div>
  );
}

function CertificateFacts({ cert }: { cert: CertificateStatus }) {
  const { t, i18n } = useTranslation();
  return (
    <>
      <p
        className={cert.selfSigned ? 'banner' : 'banner success'}
        role="status"
        data-testid="certificate-state"
      >
        {cert.selfSigned ? t('certificate.selfSigned') : t('certificate.issued', { count: cert.daysLeft })}
      </p>
      <dl className="facts">
        <dt>{t('certificate.subject')}</dt>
        <dd className="mono">{cert.subject}</dd>
        <dt>{t('certificate.names')}</dt>
        <dd className="mono">{cert.altNames.join(', ')}</dd>
        <dt>{t('certificate.expires')}</dt>
        <dd>
          {formatWhen(cert.notAfter, i18n.language)} ({t('certificate.daysLeft', { count: cert.daysLeft })})
        </dd>
      </dl>
    </>
  );
}
