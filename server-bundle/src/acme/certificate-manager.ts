// Keeps the server's one certificate issued by an ACME CA: the first issuance when the owner asks
// for it (control API / CLI -> request file), renewal renewBeforeDays before expiry, a new order
// when a domain is added, and a forced renewal on request. A new certificate goes through
// TlsProvider.replace(): this process's listeners switch at once, the other roles' providers see
// the new server.pem through watch(), and open connections keep the session they have.
// Runs in the jobs role. Until the first issuance every role presents the self-signed certificate.
import type { Logger } from '../log/logger.ts';
import type { CertificateInfo, TlsProvider } from '../tls/tls-provider.ts';
import { AcmeCa, generateAccountKey, type AcmeCaOptions } from './acme-adapter.ts';
import { CertificateError } from './acme-errors.ts';
import type { AcmeStore } from './acme-store.ts';
import { uncoveredNames } from './certificate-names.ts';
import { certificateStatus, type CertificateStatus } from './certificate-status.ts';
import type { ChallengeStore } from './challenge-store.ts';

export interface CertificateManagerOptions {
  store: AcmeStore;
  challenges: ChallengeStore;
  tls: TlsProvider;
  /** Names the certificate must cover now (read from the config DB each time). */
  names: () => string[];
  ca: Pick<AcmeCaOptions, 'directoryUrl' | 'caPem' | 'pollMinMs' | 'pollMaxMs' | 'pollAttempts'> & {
    email?: string;
  };
  renewBeforeDays: number;
  /** Scheduled check (expiry, names). */
  checkIntervalMs: number;
  /** How often a pending request (request.json) is looked for. */
  requestPollMs: number;
  /** After a failure, the scheduled check waits this long before trying on its own. */
  retryAfterFailureMs: number;
  log: Logger;
}

export type CheckOutcome =
  | { action: 'none'; reason: 'not_enabled' | 'valid' | 'waiting_after_failure' | 'no_names' }
  | { action: 'issued'; reason: string; info: CertificateInfo; ms: number }
  | { action: 'failed'; reason: string; error: CertificateError };

export class CertificateManager {
  readonly #o: CertificateManagerOptions;
  #ca: AcmeCa | undefined;
  #running: Promise<CheckOutcome> | undefined;
  #timers: NodeJS.Timeout[] = [];
  #closed = false;

  constructor(opts: CertificateManagerOptions) {
    this.#o = opts;
  }

  /** Starts the schedule: a check now and every checkIntervalMs, requests every requestPollMs. */
  start(): void {
    const loop = (ms: number, fn: () => Promise<unknown>) => {
      const tick = () => {
        if (this.#closed) return;
        fn()
          .catch((err: unknown) => this.#o.log.warn('acme.check_failed', { err }))
          .finally(() => {
            if (!this.#closed) this.#timers.push(setTimeout(tick, ms).unref());
          });
      };
      this.#timers.push(setTimeout(tick, 0).unref());
    };
    loop(this.#o.requestPollMs, () => this.#pollRequest());
    loop(this.#o.checkIntervalMs, () => this.check());
    this.#o.log.info('acme.started', {
      directoryUrl: this.#o.ca.directoryUrl,
      checkIntervalMs: this.#o.checkIntervalMs,
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const t of this.#timers.splice(0)) clearTimeout(t);
    await this.#running?.catch(() => {});
  }

  /** Issues a certificate now (first issuance, or a forced renewal when `force`). */
  async renewNow(opts: { force?: boolean } = {}): Promise<CheckOutcome> {
    await this.#o.store.updateStatus({ wanted: true });
    return this.#serialize(() => this.#decideAndIssue({ force: opts.force ?? true, manual: true }));
  }

  /** The scheduled decision: renew when due, when names are missing, or on the first request. */
  check(): Promise<CheckOutcome> {
    return this.#serialize(async () => {
      await this.#o.challenges.sweep?.(86_400_000).catch(() => 0); // tokens a crash left behind
      return this.#decideAndIssue({ force: false, manual: false });
    });
  }

  async status(): Promise<CertificateStatus> {
    await this.#o.tls.reloadIfChanged();
    return certificateStatus(this.#o.tls.material, await this.#o.store.status(), {
      renewBeforeDays: this.#o.renewBeforeDays,
    });
  }

  async #pollRequest(): Promise<void> {
    const req = await this.#o.store.takeRequest();
    if (!req) return;
    this.#o.log.info('acme.request', { force: req.force, requestedAt: req.requestedAt });
    await this.#o.store.updateStatus({ wanted: true });
    await this.#serialize(() => this.#decideAndIssue({ force: req.force, manual: true }));
  }

  #serialize(fn: () => Promise<CheckOutcome>): Promise<CheckOutcome> {
    const prev = this.#running ?? Promise.resolve(undefined);
    const next = prev.catch(() => undefined).then(fn);
    this.#running = next;
    void next
      .finally(() => {
        if (this.#running === next) this.#running = undefined;
      })
      .catch(() => {});
    return next;
  }

  async #decideAndIssue(opts: { force: boolean; manual: boolean }): Promise<CheckOutcome> {
    const { store, tls } = this.#o;
    const status = await store.status();
    if (!status.wanted) return { action: 'none', reason: 'not_enabled' };
    const names = this.#o.names();
    if (!names.length) return { action: 'none', reason: 'no_names' };
    await tls.reloadIfChanged(); // another process may have installed one meanwhile
    const info = tls.info;
    let reason: string | undefined;
    if (opts.force) reason = 'forced';
    else if (info.selfSigned) reason = 'first certificate';
    else if (info.notAfter.getTime() - Date.now() < this.#o.renewBeforeDays * 86_400_000) reason = 'expiring';
    else {
      const missing = uncoveredNames(tls.material.cert, names);
      if (missing.length) reason = `new names: ${missing.join(', ')}`;
    }
    if (!reason) return { action: 'none', reason: 'valid' };
    if (
      !opts.manual &&
      status.lastError &&
      status.lastErrorAt &&
      Date.now() - Date.parse(status.lastErrorAt) < this.#o.retryAfterFailureMs
    ) {
      return { action: 'none', reason: 'waiting_after_failure' };
    }
    return this.#issue(names, reason);
  }

  async #issue(names: string[], reason: string): Promise<CheckOutcome> {
    const { store, log } = this.#o;
    const started = Date.now();
    await store.updateStatus({
      lastAttemptAt: new Date(started).toISOString(),
      names,
      directoryUrl: this.#o.ca.directoryUrl,
    });
    log.info('acme.issuing', { names, reason });
    try {
      const ca = await this.#account();
      const issued = await ca.issue(names, this.#o.challenges);
      const info = await this.#o.tls.replace({ key: issued.keyPem, cert: issued.certPem });
      const ms = Date.now() - started;
      await store.updateStatus({ lastSuccessAt: new Date().toISOString(), lastError: null, issuanceMs: ms });
      log.info('acme.issued', {
        names,
        reason,
        ms,
        notAfter: info.notAfter.toISOString(),
        fingerprint256: info.fingerprint256,
      });
      return { action: 'issued', reason, info, ms };
    } catch (err) {
      const error =
        err instanceof CertificateError
          ? err
          : new CertificateError(
              'other',
              `Installing the new certificate failed: ${(err as Error).message}`,
              String(err),
            );
      await store.updateStatus({ lastError: error.message, lastErrorAt: new Date().toISOString() });
      log.warn('acme.failed', { names, reason, kind: error.kind, error: error.message });
      return { action: 'failed', reason, error };
    }
  }

  async #account(): Promise<AcmeCa> {
    if (this.#ca) return this.#ca;
    const { store } = this.#o;
    const accountKeyPem = await store.accountKey(async () => generateAccountKey());
    const known = await store.account();
    const ca = new AcmeCa({
      ...this.#o.ca,
      accountKeyPem,
      ...(known?.directoryUrl === this.#o.ca.directoryUrl ? { accountUrl: known.accountUrl } : {}),
    });
    const accountUrl = await ca.register(this.#o.ca.email || undefined);
    if (known?.accountUrl !== accountUrl || known.directoryUrl !== ca.directoryUrl) {
      await store.saveAccount({ directoryUrl: ca.directoryUrl, accountUrl });
    }
    this.#ca = ca;
    return ca;
  }
}
