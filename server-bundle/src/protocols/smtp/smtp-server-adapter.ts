// The only module that imports smtp-server. It turns the library's callback hooks into async
// handlers over our own small types, so the SMTP roles never see the library.
//
// Handler errors are translated by the role (handlers.translate) into SmtpError; smtp-server
// sends `responseCode message`. For DATA, onData resolves only once the message is durable:
// the 250 reply is written by smtp-server in the callback that follows.
import { randomBytes } from 'node:crypto';
import {
  SMTPServer,
  type SMTPServerAddress,
  type SMTPServerAuthentication,
  type SMTPServerDataStream,
  type SMTPServerSession,
} from 'smtp-server';
import type { Logger } from '../../log/logger.ts';
import type { TlsProvider } from '../../tls/tls-provider.ts';
import type { SmtpError, SmtpStage } from './smtp-errors.ts';

export interface SmtpAddress {
  address: string;
  args: Readonly<Record<string, string | true>>;
}

export interface SmtpAuthUser {
  mailboxId: string;
  address: string;
}

export interface SmtpSession {
  readonly id: string;
  readonly remoteAddress: string;
  readonly localPort: number;
  readonly secure: boolean;
  /** The name given in HELO/EHLO ('' before it). */
  readonly heloName: string;
  readonly user: SmtpAuthUser | undefined;
  readonly mailFrom: SmtpAddress | undefined;
  /** SIZE= from MAIL FROM, 0 when not declared */
  readonly declaredSize: number;
  /** Hides AUTH from EHLO and refuses it on this connection (until setAuthHidden(false)). */
  setAuthHidden(hidden: boolean): void;
}

export interface DataRecipient<R> {
  address: string;
  data: R;
}

export interface SmtpHandlers<R> {
  onConnect?(s: SmtpSession): Promise<void>;
  /** After a TLS handshake (STARTTLS, or implicit TLS before the greeting). */
  onSecure?(s: SmtpSession): Promise<void>;
  onAuth?(
    s: SmtpSession,
    method: 'PLAIN' | 'LOGIN',
    username: string,
    password: string,
  ): Promise<SmtpAuthUser>;
  onMailFrom?(s: SmtpSession, from: SmtpAddress): Promise<void>;
  /** Resolves with what onData gets back for this recipient. */
  onRcptTo(s: SmtpSession, to: SmtpAddress): Promise<R>;
  /** Consumes the message; resolves (with the 250 text) only when it is durably stored. */
  onData(s: SmtpSession, message: AsyncIterable<Buffer>, recipients: DataRecipient<R>[]): Promise<string>;
  onClose?(s: SmtpSession): void;
  translate(err: unknown, stage: SmtpStage): SmtpError;
}

export interface SmtpListenerOptions {
  host: string;
  port: number;
  /** Host name in the greeting and EHLO reply. */
  name: string;
  /** TLS from the first byte (465). */
  implicitTls: boolean;
  /** Offer STARTTLS (ignored with implicitTls). */
  starttls: boolean;
  /** AUTH PLAIN and LOGIN supported, and required for MAIL. */
  auth: boolean;
  maxMessageBytes: number;
  maxRecipients: number;
  maxClients?: number;
  socketTimeoutMs: number;
  /** How long close() lets open sessions finish before it answers them 421. */
  closeTimeoutMs: number;
  tls: TlsProvider;
  log: Logger;
}

export interface SmtpListener {
  address: string;
  port: number;
  family: 'IPv4' | 'IPv6';
  close(): Promise<void>;
}

function toAddress(a: SMTPServerAddress): SmtpAddress {
  return { address: a.address, args: a.args || {} };
}

export async function listenSmtp<R>(
  opts: SmtpListenerOptions,
  handlers: SmtpHandlers<R>,
): Promise<SmtpListener> {
  const rcptData = new WeakMap<SMTPServerAddress, R>();
  const wrappers = new WeakMap<SMTPServerSession, SmtpSession>();
  const log = opts.log;

  const wrap = (s: SMTPServerSession): SmtpSession => {
    let w = wrappers.get(s);
    if (!w) {
      w = {
        get id() {
          return s.id;
        },
        get remoteAddress() {
          return s.remoteAddress;
        },
        get localPort() {
          return s.localPort;
        },
        get secure() {
          return !!s.secure;
        },
        get heloName() {
          return s.hostNameAppearsAs ?? '';
        },
        get user() {
          return (s.user as SmtpAuthUser | undefined) || undefined;
        },
        get mailFrom() {
          return s.envelope?.mailFrom ? toAddress(s.envelope.mailFrom) : undefined;
        },
        get declaredSize() {
          const v = s.envelope?.mailFrom
            ? s.envelope.mailFrom.args && s.envelope.mailFrom.args.SIZE
            : undefined;
          const n = typeof v === 'string' ? Number(v) : 0;
          return Number.isSafeInteger(n) && n > 0 ? n : 0;
        },
        setAuthHidden(hidden: boolean) {
          // A session-level list replaces the server-wide disabledCommands for this connection.
          s.disabledCommands = hidden ? ['AUTH'] : undefined;
        },
      };
      wrappers.set(s, w);
    }
    return w;
  };

  const reply = (stage: SmtpStage, session: SMTPServerSession, err: unknown): SmtpError => {
    const e = handlers.translate(err, stage);
    const fields = { session: session.id, stage, code: e.responseCode };
    // Temporary failures are our problem (storage, Redis): log the cause. Refusals are routine.
    if (e.responseCode === 451 || e.responseCode === 454)
      log.warn('smtp.temporary_failure', { ...fields, err: e.cause ?? e });
    else log.info('smtp.refused', fields);
    return e;
  };

  const server = new SMTPServer({
    name: opts.name,
    secure: opts.implicitTls,
    key: opts.tls.material.key,
    cert: opts.tls.material.cert,
    SNICallback: opts.tls.sniCallback,
    minVersion: 'TLSv1.2',
    hideSTARTTLS: opts.implicitTls || !opts.starttls,
    disabledCommands: opts.auth ? [] : ['AUTH'],
    authMethods: ['PLAIN', 'LOGIN'],
    authOptional: !opts.auth,
    allowInsecureAuth: false,
    size: opts.maxMessageBytes,
    maxRecipients: opts.maxRecipients,
    ...(opts.maxClients ? { maxClients: opts.maxClients } : {}),
    socketTimeout: opts.socketTimeoutMs,
    closeTimeout: opts.closeTimeoutMs,
    disableReverseLookup: true,
    hideDSN: true,
    hideREQUIRETLS: true,
    logger: false,

    onConnect(session, cb) {
      log.debug('smtp.connect', {
        session: session.id,
        remote: session.remoteAddress,
        port: session.localPort,
      });
      if (!handlers.onConnect) return cb();
      handlers.onConnect(wrap(session)).then(
        () => cb(),
        (err: unknown) => cb(reply('connect', session, err)),
      );
    },

    onSecure(_socket, session, cb) {
      if (!handlers.onSecure) return cb();
      handlers.onSecure(wrap(session)).then(
        () => cb(),
        (err: unknown) => cb(reply('connect', session, err)),
      );
    },

    onAuth(auth: SMTPServerAuthentication, session, cb) {
      // authMethods limits the SASL mechanisms to PLAIN and LOGIN; anything else never gets here.
      if (!handlers.onAuth || (auth.method !== 'PLAIN' && auth.method !== 'LOGIN')) {
        return cb(reply('auth', session, new Error(`unexpected auth method ${auth.method}`)));
      }
      handlers.onAuth(wrap(session), auth.method, auth.username ?? '', auth.password ?? '').then(
        (user) => cb(null, { user }),
        (err: unknown) => cb(reply('auth', session, err)),
      );
    },

    onMailFrom(address, session, cb) {
      if (!handlers.onMailFrom) return cb();
      handlers.onMailFrom(wrap(session), toAddress(address)).then(
        () => cb(),
        (err: unknown) => cb(reply('mail', session, err)),
      );
    },

    onRcptTo(address, session, cb) {
      handlers.onRcptTo(wrap(session), toAddress(address)).then(
        (data) => {
          rcptData.set(address, data);
          cb();
        },
        (err: unknown) => cb(reply('rcpt', session, err)),
      );
    },

    onData(stream: SMTPServerDataStream, session, cb) {
      const recipients = session.envelope.rcptTo.map((a) => ({
        address: a.address,
        data: rcptData.get(a) as R,
      }));
      const message = stream.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>;
      // Once the handler is done (or gave up early: too large, storage error), whatever is left of
      // the message must still be read off the connection before the reply can be sent.
      const drain = () => {
        if (stream.readable && !stream.readableEnded) stream.resume();
      };
      handlers.onData(wrap(session), message, recipients).then(
        (text) => {
          drain();
          cb(null, text);
        },
        (err: unknown) => {
          drain();
          cb(reply('data', session, err));
        },
      );
    },

    onClose(session) {
      handlers.onClose?.(wrap(session));
    },
  });

  server.on('error', (err: Error & { code?: string; remote?: string }) => {
    // Per-connection problems (resets, TLS handshake failures, timeouts) end up here.
    log.debug('smtp.connection_error', { err, code: err.code });
  });

  const unsubscribe = opts.tls.onChange((m) => server.updateSecureContext({ key: m.key, cert: m.cert }));

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => {
      server.server.off('listening', onListening);
      reject(err);
    };
    const onListening = () => {
      server.server.off('error', onError);
      resolve();
    };
    server.server.once('error', onError);
    server.server.once('listening', onListening);
    server.server.listen({ host: opts.host, port: opts.port, ipv6Only: false });
  }).catch((err: unknown) => {
    unsubscribe();
    throw err;
  });

  const addr = server.server.address() as { address: string; port: number; family: string };
  let closing: Promise<void> | undefined;
  return {
    address: addr.address,
    port: addr.port,
    family: addr.family === 'IPv6' ? 'IPv6' : 'IPv4',
    close() {
      closing ??= new Promise<void>((resolve) => {
        unsubscribe();
        server.close(() => resolve());
      });
      return closing;
    },
  };
}

/** A short random id for a transaction, given in the 250 reply and in logs. */
export function transactionId(): string {
  return randomBytes(6).toString('hex');
}
