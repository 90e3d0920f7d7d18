// The certificate as the control API shows it: what every role presents now (subject, names,
// issuer, expiry, days left, self-signed or not) and where ACME stands (last error in plain words).
import { X509Certificate } from 'node:crypto';
import type { TlsMaterial } from '../tls/tls-provider.ts';
import type { AcmeStatus } from './acme-store.ts';

export interface CertificateStatus {
  subject: string;
  /** DNS names and IPs, without the "DNS:" prefix. */
  altNames: string[];
  issuer: string;
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  daysLeft: number;
  selfSigned: boolean;
  fingerprint256: string;
  acme: {
    /** The owner asked for a CA certificate: the jobs role keeps one and renews it. */
    enabled: boolean;
    directoryUrl: string | null;
    lastAttemptAt: string | null;
    lastSuccessAt: string | null;
    /** Plain words; null when the last attempt succeeded or none was made. */
    lastError: string | null;
    /** When the scheduled check will renew this certificate (renewBeforeDays before notAfter). */
    renewAfter: string | null;
  };
}

export function leafOf(certPem: string): X509Certificate {
  const end = certPem.indexOf('-----END CERTIFICATE-----');
  return new X509Certificate(certPem.slice(0, end + 25));
}

export function certificateStatus(
  material: TlsMaterial,
  acme: AcmeStatus,
  opts: { renewBeforeDays: number; now?: number },
): CertificateStatus {
  const leaf = leafOf(material.cert);
  const now = opts.now ?? Date.now();
  const notAfter = new Date(leaf.validTo);
  const selfSigned = leaf.subject === leaf.issuer && leaf.verify(leaf.publicKey);
  return {
    subject: leaf.subject.replace(/\n/g, ', '),
    altNames: (leaf.subjectAltName ?? '')
      .split(', ')
      .filter(Boolean)
      .map((n) => n.replace(/^(DNS|IP Address):/, '')),
    issuer: leaf.issuer.replace(/\n/g, ', '),
    serialNumber: leaf.serialNumber,
    notBefore: new Date(leaf.validFrom).toISOString(),
    notAfter: notAfter.toISOString(),
    daysLeft: Math.floor((notAfter.getTime() - now) / 86_400_000),
    selfSigned,
    fingerprint256: leaf.fingerprint256,
    acme: {
      enabled: acme.wanted,
      directoryUrl: acme.directoryUrl ?? null,
      lastAttemptAt: acme.lastAttemptAt ?? null,
      lastSuccessAt: acme.lastSuccessAt ?? null,
      lastError: acme.lastError ?? null,
      renewAfter:
        acme.wanted && !selfSigned
          ? new Date(notAfter.getTime() - opts.renewBeforeDays * 86_400_000).toISOString()
          : null,
    },
  };
}
