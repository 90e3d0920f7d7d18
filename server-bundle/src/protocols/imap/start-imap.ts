// The IMAP role: listeners on 993 (implicit TLS) and 143 (STARTTLS, LOGIN refused before TLS),
// each on IPv4 and IPv6, sharing one backend, one registry of open mailboxes and the event bus.
import type { MailCore } from '../../domain/mail-core.ts';
import type { Logger } from '../../log/logger.ts';
import type { MailboxEventBus } from '../../notify/mailbox-events.ts';
import { OpenMailboxes } from '../../notify/open-mailboxes.ts';
import type { LoginThrottle } from '../../security/login-throttle.ts';
import type { TlsProvider } from '../../tls/tls-provider.ts';
import {
  describeAddresses,
  listenAll,
  type BoundListeners,
  type ListenerSpec,
  type RoleHandle,
} from '../listeners.ts';
import { ImapMailBackend } from './imap-backend.ts';
import { createImapCoreServer, type ImapCoreListener } from './imap-core-adapter.ts';

export interface ImapDeps {
  core: MailCore;
  throttle: LoginThrottle;
  tls: Pick<TlsProvider, 'material' | 'sniCallback' | 'onChange' | 'secureContext'>;
  /** Cross-process events (new mail from SMTP, changes from other roles). */
  events?: MailboxEventBus;
  log: Logger;
}

export interface ImapOptions {
  /** Default: 993 implicit TLS and 143 STARTTLS on every address (IPv6 + IPv4). */
  listeners?: readonly ListenerSpec[];
  /** Largest APPEND, bytes. Default: the core's delivery limit (50 MB). */
  maxMessageBytes?: number;
  /** Quota shown to clients for mailboxes without one. Default 1 TiB. */
  defaultQuotaBytes?: number;
  /** Spool poll for open mailboxes (fallback for lost events), ms. Default 30 s; 0 disables. */
  pollIntervalMs?: number;
  /** IDLE is ended after this long (clients re-issue it). Default 30 min. */
  idleTimeoutMs?: number;
  /** Host name in greetings. Default: the machine's. */
  serverName?: string;
}

export interface ImapRole extends RoleHandle {
  /** Open connections, and logged-in sessions holding a mailbox key. */
  stats(): { connections: number; sessions: number };
}

export const DEFAULT_IMAP_LISTENERS: readonly ListenerSpec[] = [
  { host: '::', port: 993, tls: 'implicit' },
  { host: '::', port: 143, tls: 'starttls' },
];

export async function startImap(deps: ImapDeps, opts: ImapOptions = {}): Promise<ImapRole> {
  const log = deps.log.child({ role: 'imap' });
  const mailboxes = new OpenMailboxes({ events: deps.events, log, pollIntervalMs: opts.pollIntervalMs });
  await mailboxes.start();
  const backend = new ImapMailBackend({
    core: deps.core,
    throttle: deps.throttle,
    mailboxes,
    log,
    defaultQuotaBytes: opts.defaultQuotaBytes,
  });
  let listeners: BoundListeners<ImapCoreListener>;
  try {
    listeners = await listenAll(opts.listeners ?? DEFAULT_IMAP_LISTENERS, deps.tls, (spec, host) =>
      createImapCoreServer(
        {
          host,
          port: spec.port,
          tls: spec.tls,
          tlsMaterial: deps.tls.material,
          sniCallback: deps.tls.sniCallback,
          maxMessageBytes: opts.maxMessageBytes ?? deps.core.delivery.maxMessageBytes,
          idleTimeoutMs: opts.idleTimeoutMs,
          serverName: opts.serverName,
          log,
        },
        backend,
      ),
    );
  } catch (err) {
    await mailboxes.stop();
    throw err;
  }
  const { servers, addresses } = listeners;
  log.info('imap.listening', { addresses: describeAddresses(addresses) });
  let closing: Promise<void> | undefined;
  return {
    addresses,
    stats: () => ({
      connections: servers.reduce((n, s) => n + s.connectionCount(), 0),
      sessions: mailboxes.sessionCount(),
    }),
    close: () =>
      (closing ??= (async () => {
        await listeners.close();
        await mailboxes.stop();
        log.info('imap.stopped');
      })()),
  };
}
