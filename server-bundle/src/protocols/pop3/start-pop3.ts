// The POP3 role: 995 (implicit TLS) and 110 (STLS; USER/PASS refused before TLS), IPv6 + IPv4.
import type { MailCore } from '../../domain/mail-core.ts';
import type { Logger } from '../../log/logger.ts';
import type { MailboxEventBus } from '../../notify/mailbox-events.ts';
import type { LoginThrottle } from '../../security/login-throttle.ts';
import type { TlsProvider } from '../../tls/tls-provider.ts';
import { describeAddresses, listenAll, type ListenerSpec, type RoleHandle } from '../listeners.ts';
import { LocalMaildropLock, type MaildropLock } from './maildrop-lock.ts';
import { createPop3CoreServer } from './pop3-adapter.ts';
import { Pop3MailBackend } from './pop3-backend.ts';

export interface Pop3Deps {
  core: MailCore;
  throttle: LoginThrottle;
  tls: Pick<TlsProvider, 'material' | 'sniCallback' | 'onChange' | 'secureContext'>;
  /** Announces changes (drained spool, QUIT expunges) to IMAP processes. */
  events?: MailboxEventBus;
  /** Exclusive maildrop access; default: this process only (use RedisMaildropLock across processes). */
  lock?: MaildropLock;
  log: Logger;
}

export interface Pop3Options {
  /** Default: 995 implicit TLS and 110 STLS on every address (IPv6 + IPv4). */
  listeners?: readonly ListenerSpec[];
  socketTimeoutMs?: number;
}

export const DEFAULT_POP3_LISTENERS: readonly ListenerSpec[] = [
  { host: '::', port: 995, tls: 'implicit' },
  { host: '::', port: 110, tls: 'starttls' },
];

export async function startPop3(deps: Pop3Deps, opts: Pop3Options = {}): Promise<RoleHandle> {
  const log = deps.log.child({ role: 'pop3' });
  const backend = new Pop3MailBackend({
    core: deps.core,
    throttle: deps.throttle,
    lock: deps.lock ?? new LocalMaildropLock(),
    events: deps.events,
    log,
  });
  const listeners = await listenAll(opts.listeners ?? DEFAULT_POP3_LISTENERS, deps.tls, (spec, host) =>
    createPop3CoreServer(
      {
        host,
        port: spec.port,
        tls: spec.tls,
        tlsMaterial: deps.tls.material,
        sniCallback: deps.tls.sniCallback,
        socketTimeoutMs: opts.socketTimeoutMs,
        log,
      },
      backend,
    ),
  );
  const { addresses } = listeners;
  log.info('pop3.listening', { addresses: describeAddresses(addresses) });
  let closing: Promise<void> | undefined;
  return {
    addresses,
    close: () =>
      (closing ??= (async () => {
        await listeners.close();
        log.info('pop3.stopped');
      })()),
  };
}
