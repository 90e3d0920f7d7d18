// What the control API's routes use. Built by the control role from its role context.
import type { DkimKeyStore } from '../dkim/dkim-keys.ts';
import type { MailCore } from '../domain/mail-core.ts';
import type { Logger } from '../log/logger.ts';
import type { MetricsStore } from '../metrics/metrics-store.ts';
import type { OutboundQueue } from '../queue/outbound-queue.ts';
import type { RedisConnection } from '../storage/redis-adapter.ts';
import type { CertificateRequest } from '../acme/acme-store.ts';
import type { CertificateStatus } from '../acme/certificate-status.ts';
import type { CertificateInfo } from '../tls/tls-provider.ts';
import type { Backups } from '../jobs/backup-wiring.ts';
import type { ControlTokens } from './token-store.ts';

/** Delivery progress of a queue entry, once the outbound role records it. */
export interface QueueDeliveryState {
  attempts: number;
  nextAttemptAt: number;
  lastError?: string;
  /** Recipients finished (delivered, or bounced to the sender). */
  done?: string[];
}

export interface ControlDeps {
  core: MailCore;
  tokens: ControlTokens;
  /** The certificate the protocol roles present now. */
  certificate(): CertificateInfo;
  /** Issuer, serial and the ACME state (last error in plain words) added to GET /v1/certificate. */
  certificateExtras?(): Promise<Pick<CertificateStatus, 'issuer' | 'serialNumber' | 'acme'>>;
  /** POST /v1/certificate/request: asks the jobs role for an ACME certificate (the DNS wizard). */
  requestCertificate?(opts: { force: boolean }): Promise<CertificateRequest>;
  redis: RedisConnection;
  outbound: OutboundQueue;
  /** Outbound role's per-entry state; entries without one have never been tried. */
  deliveryState?(id: string): Promise<QueueDeliveryState | undefined>;
  /** inbound.spam: the server's Junk threshold (a mailbox may set its own) and the DATA refusal score. */
  spam?: { threshold: number; rejectAbove: number };
  metrics: MetricsStore;
  /** Default number of points a metrics query returns. */
  metricsPoints: number;
  dkim: DkimKeyStore;
  /** <dataDir>/logs */
  logDir: string;
  /** Roles whose heartbeats the health shows. */
  roles: readonly string[];
  heartbeatMs: number;
  version: string;
  log: Logger;
  /** Backups (routes/backup-routes.ts); absent: those routes answer 501. */
  backups?: Backups;
}
