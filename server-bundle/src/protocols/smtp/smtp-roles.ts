// Entry points the process runner calls: startMx (25) and startSubmission (587 STARTTLS + 465 TLS).
// Every listener serves IPv4 and IPv6: by default one dual-stack socket on '::' per port (falling
// back to 0.0.0.0 where the kernel has no IPv6), or one listener per configured address.
import type { MailCore } from '../../domain/mail-core.ts';
import type { MailNotifier } from '../../domain/mail-notifier.ts';
import type { Logger } from '../../log/logger.ts';
import type { Counters } from '../../metrics/counters.ts';
import type { OutboundQueue } from '../../queue/outbound-queue.ts';
import type { LoginThrottle } from '../../security/login-throttle.ts';
import type { TlsProvider } from '../../tls/tls-provider.ts';
import { createMxHandlers } from './mx-handlers.ts';
import { listenSmtp, type SmtpHandlers, type SmtpListener } from './smtp-server-adapter.ts';
import { createSubmissionHandlers } from './submission-handlers.ts';
import { countingSmtp } from './smtp-counters.ts';
import type { InboundChecks } from '../../inbound/inbound-checks.ts';
import type { SrsReverse } from '../../outbound/srs-recipients.ts';

export interface SmtpDeps {
  core: MailCore;
  throttle: LoginThrottle;
  tls: TlsProvider;
  /** Where mail for other domains (submission, forwarding aliases) waits for the outbound role. */
  outbound: OutboundQueue;
  notifier?: MailNotifier;
  log: Logger;
  /** Metrics: messages in/out/rejected. */
  counters?: Counters;
  /** MX: anti-abuse and authentication checks (internet mail). */
  inbound?: InboundChecks;
  /** MX: bounces to our SRS addresses. */
  srs?: SrsReverse;
  /** Submission: per-user sending limits. */
  sendingLimits?: { check(mailboxId: string): Promise<void> };
}

export interface SmtpCommonOptions {
  /** Host name in the greeting. */
  hostname: string;
  /** Addresses to listen on. Default ['::'] (dual-stack). */
  hosts?: readonly string[];
  /** Default: the domain layer's limit (50 MB). */
  maxMessageBytes?: number;
  /** Default 100. */
  maxRecipients?: number;
  maxClients?: number;
  /** Idle socket timeout. Default 5 min (RFC 5321 suggests at least 5 min between commands). */
  socketTimeoutMs?: number;
  /** How long close() waits for open sessions. Default 10 s. */
  closeTimeoutMs?: number;
}

export interface MxOptions extends SmtpCommonOptions {
  /** Default 25. */
  port?: number;
}

export interface SubmissionOptions extends SmtpCommonOptions {
  /** STARTTLS port; default 587; null: none. */
  port?: number | null;
  /** Implicit TLS port; default 465; null: none. */
  tlsPort?: number | null;
}

export interface ListenAddress {
  kind: 'mx' | 'submission' | 'submissions';
  address: string;
  port: number;
  family: 'IPv4' | 'IPv6';
}

export interface RunningRole {
  addresses: ListenAddress[];
  close(): Promise<void>;
}

async function listenAll<R>(
  kind: ListenAddress['kind'],
  hosts: readonly string[],
  port: number,
  make: (host: string) => Parameters<typeof listenSmtp<R>>[0],
  handlers: SmtpHandlers<R>,
  log: Logger,
): Promise<Array<{ listener: SmtpListener; address: ListenAddress }>> {
  const out: Array<{ listener: SmtpListener; address: ListenAddress }> = [];
  try {
    for (const host of hosts) {
      let listener: SmtpListener;
      try {
        listener = await listenSmtp(make(host), handlers);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (host !== '::' || (code !== 'EAFNOSUPPORT' && code !== 'EADDRNOTAVAIL')) throw err;
        log.warn('smtp.no_ipv6', { kind, port });
        listener = await listenSmtp(make('0.0.0.0'), handlers);
      }
      const address: ListenAddress = {
        kind,
        address: listener.address,
        port: listener.port,
        family: listener.family,
      };
      log.info('smtp.listening', { ...address });
      out.push({ listener, address });
    }
  } catch (err) {
    await Promise.all(out.map((o) => o.listener.close()));
    throw err;
  }
  return out;
}

function common(deps: SmtpDeps, o: SmtpCommonOptions) {
  return {
    name: o.hostname,
    maxMessageBytes: o.maxMessageBytes ?? deps.core.delivery.maxMessageBytes,
    maxRecipients: o.maxRecipients ?? 100,
    ...(o.maxClients ? { maxClients: o.maxClients } : {}),
    socketTimeoutMs: o.socketTimeoutMs ?? 5 * 60_000,
    closeTimeoutMs: o.closeTimeoutMs ?? 10_000,
    tls: deps.tls,
  };
}

function running(all: Array<{ listener: SmtpListener; address: ListenAddress }>): RunningRole {
  return {
    addresses: all.map((a) => a.address),
    close: async () => {
      await Promise.all(all.map((a) => a.listener.close()));
    },
  };
}

export async function startMx(deps: SmtpDeps, opts: MxOptions): Promise<RunningRole> {
  const log = deps.log.child({ role: 'mx' });
  const c = common(deps, opts);
  const handlers = countingSmtp(
    createMxHandlers({ ...deps, log }, { maxMessageBytes: c.maxMessageBytes }),
    deps.counters,
    'messages_in',
  );
  const all = await listenAll(
    'mx',
    opts.hosts?.length ? opts.hosts : ['::'],
    opts.port ?? 25,
    (host) => ({ ...c, host, port: opts.port ?? 25, implicitTls: false, starttls: true, auth: false, log }),
    handlers,
    log,
  );
  return running(all);
}

export async function startSubmission(deps: SmtpDeps, opts: SubmissionOptions): Promise<RunningRole> {
  const log = deps.log.child({ role: 'submission' });
  const c = common(deps, opts);
  const handlers = countingSmtp(
    createSubmissionHandlers({ ...deps, log }, { maxMessageBytes: c.maxMessageBytes }),
    deps.counters,
    'messages_out',
  );
  const hosts = opts.hosts?.length ? opts.hosts : ['::'];
  const all: Array<{ listener: SmtpListener; address: ListenAddress }> = [];
  try {
    const starttlsPort = opts.port === undefined ? 587 : opts.port;
    if (starttlsPort !== null) {
      all.push(
        ...(await listenAll(
          'submission',
          hosts,
          starttlsPort,
          (host) => ({ ...c, host, port: starttlsPort, implicitTls: false, starttls: true, auth: true, log }),
          handlers,
          log,
        )),
      );
    }
    const tlsPort = opts.tlsPort === undefined ? 465 : opts.tlsPort;
    if (tlsPort !== null) {
      all.push(
        ...(await listenAll(
          'submissions',
          hosts,
          tlsPort,
          (host) => ({ ...c, host, port: tlsPort, implicitTls: true, starttls: false, auth: true, log }),
          handlers,
          log,
        )),
      );
    }
  } catch (err) {
    await Promise.all(all.map((a) => a.listener.close()));
    throw err;
  }
  return running(all);
}
