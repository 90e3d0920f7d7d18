// The only module that imports wildduck's POP3 server (EUPL-1.2). It wires wildduck's callback
// hooks to a typed, promise-based Pop3Backend and turns refusals into -ERR [CODE] answers through
// protocols/error-codes.ts. Two deviations from wildduck, patched here: LIST and UIDL keep the
// original message numbers after DELE (RFC 1939 §5), and a malformed LIST/UIDL argument is
// answered without closing the connection.
import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';
import type { SecureContext } from 'node:tls';
import type { Logger } from '../../log/logger.ts';
import { toPop3Failure } from '../error-codes.ts';

const require = createRequire(import.meta.url);

type Cb = (...args: any[]) => void; // eslint-disable-line @typescript-eslint/no-explicit-any

interface CoreMessage {
  id: string;
  uid: number;
  size: number;
  seen: boolean;
  popped?: boolean;
  fetched?: boolean;
}

interface CoreSession {
  id: string;
  remoteAddress: string;
  state: string;
  user?: { id: string; username: string } | false | string;
  listing?: { messages: CoreMessage[]; count: number; size: number };
}

interface CoreConnection {
  session: CoreSession;
  send(payload: string | string[]): void;
}

interface CoreServer {
  server: import('node:net').Server;
  secureContext: Map<string, SecureContext>;
  connections: Set<{ close(): void; send(p: string): void }>;
  loggelf: (msg: unknown) => void;
  listen(options: { port: number; host: string }, cb: () => void): void;
  close(cb: () => void): void;
  on(event: 'error', cb: (err: Error) => void): void;
  onAuth: Cb;
  onListMessages: Cb;
  onFetchMessage: Cb;
  onUpdate: Cb;
}

const POP3Server = require('wildduck/lib/pop3/server') as new (
  options: Record<string, unknown>,
) => CoreServer;
const POP3Connection = require('wildduck/lib/pop3/connection') as {
  prototype: {
    command_LIST: Cb;
    command_UIDL: Cb;
    command_QUIT: Cb;
    _onClose: Cb;
    _setListeners: Cb;
    read: Cb;
  } & ThisType<CoreConnection>;
};

/** A command line longer than this (RFC 2449 allows 255 octets) closes the connection. */
export const MAX_POP3_LINE = 8 * 1024;

// wildduck's read() drops a partial line when a command arrives split across TCP segments, and
// would buffer an endless line. Same logic, with the partial line kept and bounded.
{
  type Reader = CoreConnection & {
    _socket: import('node:net').Socket;
    _remainder: string;
    queue: string[];
    processing: boolean;
    processQueue(): void;
    close(): void;
  };
  POP3Connection.prototype.read = function (this: Reader) {
    let chunk: Buffer | null;
    let data = this._remainder;
    while ((chunk = this._socket.read() as Buffer | null) !== null) {
      data += chunk.toString('binary');
      if (data.indexOf('\n') >= 0) {
        const lines = data.split(/\r?\n/).map((line) => Buffer.from(line, 'binary').toString());
        this._remainder = lines.pop() ?? '';
        if (lines.length) this.queue = this.queue.length ? this.queue.concat(lines) : lines;
        return this.processQueue();
      }
      if (data.length > MAX_POP3_LINE) {
        this._remainder = '';
        this.queue = [];
        this.send('-ERR Command line too long');
        this.close();
        return;
      }
    }
    this._remainder = data;
    this.processing = false;
  };
}

function listingCommand(field: 'size' | 'id') {
  return function (this: CoreConnection, args: string, next: Cb): void {
    const listing = this.session.listing;
    if (this.session.state !== 'TRANSACTION' || !listing) {
      this.send('-ERR Command not accepted');
      return next();
    }
    const arg = (args || '').trim();
    if (arg) {
      if (!/^\d{1,9}$/.test(arg)) {
        this.send('-ERR malformed command');
        return next();
      }
      const index = Number(arg);
      const m = listing.messages[index - 1];
      if (!m || m.popped) {
        this.send('-ERR no such message');
        return next();
      }
      this.send(`+OK ${index} ${m[field]}`);
      return next();
    }
    const lines = [field === 'size' ? `+OK ${listing.count} messages (${listing.size} octets)` : '+OK'];
    listing.messages.forEach((m, i) => {
      if (!m.popped) lines.push(`${i + 1} ${m[field]}`);
    });
    this.send(lines);
    return next();
  };
}
POP3Connection.prototype.command_LIST = listingCommand('size');
POP3Connection.prototype.command_UIDL = listingCommand('id');

// wildduck re-arms the socket timeout after every command with a new 'timeout' listener, which
// piles up (one per command). Keep only the latest.
const TIMEOUT_CB = Symbol('facteur.pop3.timeoutCb');
{
  type TimeoutSocket = import('node:net').Socket & { [TIMEOUT_CB]?: () => void; __facteurPatched?: boolean };
  const setListeners = POP3Connection.prototype._setListeners;
  POP3Connection.prototype._setListeners = function (
    this: CoreConnection & { _socket: TimeoutSocket },
    ...args: unknown[]
  ) {
    const sock = this._socket;
    if (!sock.__facteurPatched) {
      sock.__facteurPatched = true;
      const original = sock.setTimeout;
      sock.setTimeout = function (this: TimeoutSocket, ms: number, cb?: () => void) {
        const prev = this[TIMEOUT_CB];
        if (prev) this.removeListener('timeout', prev);
        this[TIMEOUT_CB] = cb;
        return original.call(this, ms, cb);
      } as TimeoutSocket['setTimeout'];
    }
    return setListeners.apply(this, args);
  };
}

// QUIT clears the connection's session before the close hook runs: keep it for onClose, which
// must release the maildrop lock and the mailbox key.
const LAST_SESSION = Symbol('facteur.pop3.lastSession');
{
  type WithLast = CoreConnection & { session: CoreSession | false | null; [LAST_SESSION]?: CoreSession };
  const quit = POP3Connection.prototype.command_QUIT;
  POP3Connection.prototype.command_QUIT = function (this: WithLast, ...args: unknown[]) {
    if (this.session) this[LAST_SESSION] = this.session;
    return quit.apply(this, args);
  };
  const onClose = POP3Connection.prototype._onClose;
  POP3Connection.prototype._onClose = function (this: WithLast, ...args: unknown[]) {
    if (!this.session && this[LAST_SESSION]) this.session = this[LAST_SESSION];
    return onClose.apply(this, args);
  };
}

// ------------------------------------------------------------------------------------------------

export interface Pop3ConnectionInfo {
  readonly id: string;
  readonly remoteAddress: string;
}

export interface Pop3Message {
  uid: number;
  size: number;
  /** UIDL: stable across sessions */
  uidl: string;
  seen: boolean;
}

export interface Pop3Backend<U> {
  authenticate(
    conn: Pop3ConnectionInfo,
    username: string,
    password: string,
  ): Promise<{ user: U; id: string; username: string }>;
  /** The maildrop (INBOX) as of login; numbering follows this order. */
  list(user: U): Promise<Pop3Message[]>;
  /** The raw message; undefined when it no longer exists. */
  retrieve(user: U, message: Pop3Message): Readable | undefined;
  /** QUIT: marks retrieved messages seen, expunges the deleted ones. */
  update(user: U, changes: { deleted: Pop3Message[]; retrieved: Pop3Message[] }): Promise<void>;
  connectionClosed(conn: Pop3ConnectionInfo, user: U | undefined): void;
}

export interface Pop3CoreListenerOptions {
  host: string;
  port: number;
  tls: 'implicit' | 'starttls';
  tlsMaterial: { key: string; cert: string };
  sniCallback: (servername: string, cb: (err: Error | null, ctx?: SecureContext) => void) => void;
  socketTimeoutMs?: number;
  log: Logger;
}

export interface Pop3CoreListener {
  listen(): Promise<{ address: string; port: number; family: string }>;
  setSecureContext(ctx: SecureContext): void;
  close(): Promise<void>;
}

const USER = Symbol('facteur.pop3.user');
const MESSAGES = Symbol('facteur.pop3.messages');
type Session<U> = CoreSession & { [USER]?: U; [MESSAGES]?: Map<string, Pop3Message> };

function coreLogger(log: Logger) {
  const cid = (meta: unknown) => {
    const m = (meta ?? {}) as { cid?: unknown; tnx?: unknown; err?: unknown };
    return {
      cid: typeof m.cid === 'string' ? m.cid : undefined,
      tnx: typeof m.tnx === 'string' ? m.tnx : undefined,
      err: m.err,
    };
  };
  return {
    debug() {},
    info(meta: unknown) {
      const f = cid(meta);
      log.debug(`pop3.core.${f.tnx ?? 'info'}`, { cid: f.cid });
    },
    error(meta: unknown) {
      const f = cid(meta);
      log.warn(`pop3.core.${f.tnx ?? 'error'}`, { cid: f.cid, err: f.err });
    },
  };
}

function info(session: CoreSession): Pop3ConnectionInfo {
  return { id: session.id, remoteAddress: (session.remoteAddress || '').replace(/^::ffff:/, '') };
}

export function createPop3CoreServer<U>(
  opts: Pop3CoreListenerOptions,
  backend: Pop3Backend<U>,
): Pop3CoreListener {
  const log = opts.log;
  const server = new POP3Server({
    // Passed to net.createServer: no Nagle delay before the small tagged answer after a big response.
    noDelay: true,
    secure: opts.tls === 'implicit',
    disableSTARTTLS: false,
    ignoreSTARTTLS: false,
    key: opts.tlsMaterial.key,
    cert: opts.tlsMaterial.cert,
    minVersion: 'TLSv1.2',
    SNICallback: opts.sniCallback,
    socketTimeout: opts.socketTimeoutMs ?? 10 * 60_000,
    disableVersionString: true,
    id: { name: 'Facteur' },
    useProxy: false,
    logger: coreLogger(log),
    onClose(session: Session<U>, done: () => void) {
      try {
        backend.connectionClosed(info(session), session[USER]);
      } catch (err) {
        log.error('pop3.close_error', { err });
      }
      delete session[USER];
      done();
    },
  });
  server.loggelf = () => false;
  server.on('error', (err) => log.warn('pop3.server_error', { err }));

  server.onAuth = (auth: { username: string; password: string }, session: Session<U>, cb: Cb) => {
    backend.authenticate(info(session), auth.username, auth.password).then(
      ({ user, id, username }) => {
        session[USER] = user;
        cb(null, { user: { id, username } });
      },
      (err: unknown) => {
        const f = toPop3Failure(err);
        if (f.unexpected) log.error('pop3.auth_error', { err });
        if (!f.close && f.text.startsWith('[AUTH] '))
          return cb(null, { message: f.text.slice('[AUTH] '.length) });
        // -ERR <text>, then wildduck closes the connection.
        cb(Object.assign(new Error(f.text), { responseMessage: f.text }));
      },
    );
  };

  server.onListMessages = (session: Session<U>, cb: Cb) => {
    const user = session[USER];
    if (user === undefined) return cb(new Error('not logged in'));
    backend.list(user).then(
      (list) => {
        const byId = new Map(list.map((m) => [m.uidl, m]));
        session[MESSAGES] = byId;
        const messages: CoreMessage[] = list.map((m) => ({
          id: m.uidl,
          uid: m.uid,
          size: m.size,
          seen: m.seen,
        }));
        cb(null, { messages, count: messages.length, size: messages.reduce((n, m) => n + m.size, 0) });
      },
      (err: unknown) => {
        const f = toPop3Failure(err);
        if (f.unexpected) log.error('pop3.list_error', { err });
        cb(Object.assign(new Error(f.text), { responseMessage: f.text }));
      },
    );
  };

  server.onFetchMessage = (message: CoreMessage, session: Session<U>, cb: Cb) => {
    const user = session[USER];
    const m = session[MESSAGES]?.get(message.id);
    if (user === undefined || !m) return cb(new Error('no such message'));
    let stream: Readable | undefined;
    try {
      stream = backend.retrieve(user, m);
    } catch (err) {
      const f = toPop3Failure(err);
      if (f.unexpected) log.error('pop3.retrieve_error', { err });
      return cb(Object.assign(new Error(f.text), { responseMessage: f.text }));
    }
    if (!stream)
      return cb(
        Object.assign(new Error('message deleted by another session'), {
          responseMessage: 'Message was deleted by another session',
        }),
      );
    cb(null, stream);
  };

  server.onUpdate = (
    update: { deleted: CoreMessage[]; seen: CoreMessage[] },
    session: Session<U>,
    cb: Cb,
  ) => {
    const user = session[USER];
    const byId = session[MESSAGES];
    if (user === undefined || !byId) return cb();
    const pick = (list: CoreMessage[]) =>
      list.map((c) => byId.get(c.id)).filter((m): m is Pop3Message => !!m);
    backend.update(user, { deleted: pick(update.deleted), retrieved: pick(update.seen) }).then(
      () => cb(),
      (err: unknown) => {
        log.error('pop3.update_error', { err });
        cb(err);
      },
    );
  };

  return {
    listen: () =>
      new Promise((resolve, reject) => {
        const onError = (err: Error) => reject(err);
        server.server.once('error', onError);
        server.listen({ port: opts.port, host: opts.host }, () => {
          server.server.off('error', onError);
          const a = server.server.address() as { address: string; port: number; family: string };
          resolve({ address: a.address, port: a.port, family: a.family });
        });
      }),
    setSecureContext(ctx) {
      server.secureContext.set('*', ctx);
    },
    close: () =>
      new Promise((resolve) => {
        if (!server.server.listening) return resolve();
        server.close(() => resolve());
        for (const c of server.connections) {
          c.send('-ERR Server shutting down');
          c.close();
        }
      }),
  };
}
