/**
 * The certificate as the owner sees it, from the control API's GET /v1/certificate, and whether a
 * request Facteur made is still being handled. The server keeps only its last attempt's outcome,
 * so after a new request an older error would look like the answer: until the jobs role has tried
 * again, the request is `pending` and that stale error is not shown.
 */
import type { CertificateStatus } from '../../../shared/mailbox';

/** GET /v1/certificate (server-bundle/src/acme/certificate-status.ts). */
export interface ServerCertificate {
  subject: string;
  altNames: string[];
  issuer?: string;
  notBefore: string;
  notAfter: string;
  daysLeft: number;
  selfSigned: boolean;
  fingerprint256?: string;
  acme?: {
    enabled: boolean;
    directoryUrl: string | null;
    lastAttemptAt: string | null;
    lastSuccessAt: string | null;
    lastError: string | null;
    renewAfter: string | null;
  };
}

/** A request this Facteur made (server clock), and the error the server showed before it. */
export interface TrackedRequest {
  requestedAt: string;
  errorBefore: string | null;
}

/**
 * Pending: asked, and no attempt finished since. An attempt that ended with the very same message
 * as before cannot be told from one still running by the status alone: `failedSince` (the server's
 * log) decides then.
 */
export function isPending(
  cert: ServerCertificate,
  tracked: TrackedRequest | undefined,
  failedSince: () => Promise<boolean>,
): Promise<boolean> | boolean {
  const acme = cert.acme;
  if (!acme?.enabled) return false;
  if (!tracked) return cert.selfSigned && !acme.lastError && !acme.lastSuccessAt;
  const after = (t: string | null) => t !== null && Date.parse(t) >= Date.parse(tracked.requestedAt);
  if (after(acme.lastSuccessAt)) return false;
  if (!after(acme.lastAttemptAt)) return true;
  if (acme.lastError === null) return true; // trying now (the last attempt before it succeeded)
  if (acme.lastError !== tracked.errorBefore) return false;
  return failedSince().then((failed) => !failed);
}

export function certificateView(cert: ServerCertificate, pending: boolean): CertificateStatus {
  return {
    subject: cert.subject,
    // The control API lists them as X509Certificate prints them ("DNS:mail.example.org").
    altNames: cert.altNames.map((n) => n.replace(/^(DNS|IP Address):/, '')),
    issuer: cert.issuer,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    daysLeft: cert.daysLeft,
    selfSigned: cert.selfSigned,
    acme: cert.acme && {
      enabled: cert.acme.enabled,
      pending,
      lastAttemptAt: cert.acme.lastAttemptAt,
      lastSuccessAt: cert.acme.lastSuccessAt,
      lastError: pending ? null : cert.acme.lastError,
      renewAfter: cert.acme.renewAfter,
    },
  };
}
