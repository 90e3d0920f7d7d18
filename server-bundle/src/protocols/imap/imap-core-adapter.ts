// The only module that imports wildduck's imap-core (EUPL-1.2). It owns every detail of imap-core's
// object shapes (sessions, selected state, response objects, the MIME indexer) and exposes:
//   - createImapCoreServer(): one listener whose hooks call a typed, promise-based ImapBackend;
//     refusals thrown by the backend become tagged NO [CODE] through protocols/error-codes.ts;
//   - FETCH rendering: the backend yields messages, this module turns them into FETCH responses
//     (raw bytes for BODY[] / RFC822 so messages come back byte-identical; imap-core's indexer for
//     ENVELOPE, BODYSTRUCTURE and MIME sections);
//   - indexImapStructure(): the ENVELOPE / BODYSTRUCTURE / BODY cache stored in message summaries.
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import type { SecureContext } from 'node:tls';
import type { Logger } from '../../log/logger.ts';
import { toImapFailure } from '../error-codes.ts';

const require = createRequire(import.meta.url);

// ------------------------------------------------------------------------------------------------
// imap-core's JavaScript surface, typed as far as this module uses it.

interface CoreResponse {
  tag: string;
  command: string;
  attributes: unknown[];
}

interface CoreSelected {
  mailbox: unknown;
  uidList: number[];
  modifyIndex: number;
  notifications: unknown[];
  condstoreEnabled: boolean;
  readOnly: boolean;
  path: string;
}

interface CoreWriteStream {
  write(obj: unknown, cb?: (err?: Error | null) => void): boolean;
  /** IMAPComposer keeps its connection */
  connection?: { emitNotifications(): void };
}

interface CoreSession {
  id: string;
  remoteAddress: string;
  user?: { id: string; username: string };
  selected: CoreSelected | false;
  writeStream: CoreWriteStream;
  socket: { destroyed?: boolean; writable?: boolean };
  formatResponse(command: string, uid: number, data?: Record<string, unknown>): CoreResponse | false;
  isUTF8Enabled(): boolean;
}

interface CoreConnection {
  id: string;
  _closed?: boolean;
  _closing?: boolean;
  _parser?: CoreParser | false;
  send(line: string): void;
  close(force?: boolean): void;
  init(): void;
}

interface CoreParser {
  _remainder: string;
  __onOverflow?: () => void;
  _write(chunk: Buffer, encoding: string, done: (err?: Error | null) => void): void;
}

type Cb = (...args: any[]) => void; // eslint-disable-line @typescript-eslint/no-explicit-any

interface CoreServer {
  server: import('node:net').Server;
  secureContext: Map<string, SecureContext>;
  connections: Set<CoreConnection>;
  notifier: unknown;
  loggelf: (msg: unknown) => void;
  listen(port: number, host: string, cb?: () => void): void;
  close(cb: () => void): void;
  on(event: 'error', cb: (err: Error) => void): void;
  [hook: `on${string}`]: unknown;
}

export interface CoreFetchQueryItem {
  query: string;
  item: string;
  original: { type: string; value: string; section?: unknown[]; partial?: number[] };
  path?: string;
  type?: string;
  headers?: string[];
  partial?: { startFrom: number; maxLength: number };
  isLiteral?: boolean;
}

/** imap-core's parsed SEARCH term (see imap-core/lib/commands/search.js parseQueryTerms). */
export type CoreSearchTerm =
  | { key: 'all' | 'charset'; value?: unknown }
  | { key: 'flag'; value: string; exists: boolean }
  | { key: 'not'; value: CoreSearchTerm }
  | { key: 'or'; value: CoreSearchTerm[] }
  | { key: 'header'; header: string; value: string }
  | { key: 'date' | 'internaldate'; operator: '<' | '=' | '>='; value: string }
  | { key: 'size'; operator: '<' | '>'; value: number }
  | { key: 'modseq'; value: number }
  | { key: 'uid'; value: number[] }
  | { key: 'body' | 'text'; value: string };

const imapCore = require('wildduck/imap-core') as {
  IMAPServer: new (options: Record<string, unknown>) => CoreServer;
  imapHandler: {
    compiler(response: CoreResponse, asArray?: boolean, isLogging?: boolean): string;
    compileStream(response: CoreResponse): Readable;
  };
};
const imapTools = require('wildduck/imap-core/lib/imap-tools') as {
  getQueryResponse(
    query: unknown[],
    message: Record<string, unknown>,
    options: Record<string, unknown>,
  ): unknown[];
  formatInternalDate(date: Date): string;
};
const Indexer = require('wildduck/imap-core/lib/indexer/indexer') as new (
  options?: Record<string, unknown>,
) => {
  parseMimeTree(raw: Buffer): MimeTree;
  getEnvelope(tree: MimeTree): unknown[];
  getBodyStructure(tree: MimeTree): unknown[];
  getBody(tree: MimeTree): unknown[];
};
const { IMAPStream } = require('wildduck/imap-core/lib/imap-stream') as {
  IMAPStream: { prototype: CoreParser };
};
const { IMAPConnection } = require('wildduck/imap-core/lib/imap-connection') as {
  IMAPConnection: { prototype: CoreConnection };
};
const wildErrors = require('wildduck/lib/errors.js') as {
  setGelf(handler: { emit(channel: string, message: unknown): void }): void;
};

type MimeTree = Record<string, unknown>;

// ------------------------------------------------------------------------------------------------
// Process-wide hardening of imap-core (applied once, on import).

/** A command line (outside literals) longer than this closes the connection. */
export const MAX_COMMAND_LINE = 64 * 1024;

let protocolLog: Logger | undefined;

// imap-core reports protocol errors through wildduck's GELF helper, which by default prints the
// offending command (possibly a password) to stderr. Keep only the error code.
wildErrors.setGelf({
  emit(_channel, message) {
    const m = message as { _code?: unknown; _error?: unknown };
    protocolLog?.debug('imap.protocol_error', {
      code: String(m._code ?? ''),
      error: String(m._error ?? '').slice(0, 120),
    });
  },
});

{
  const originalWrite = IMAPStream.prototype._write;
  IMAPStream.prototype._write = function (this: CoreParser, chunk, encoding, done) {
    originalWrite.call(this, chunk, encoding, (err) => {
      if (!err && this._remainder.length > MAX_COMMAND_LINE) {
        this._remainder = '';
        this.__onOverflow?.();
      }
      done(err);
    });
  };
  const originalInit = IMAPConnection.prototype.init;
  IMAPConnection.prototype.init = function (this: CoreConnection) {
    const parser = this._parser;
    if (parser) {
      parser.__onOverflow = () => {
        this.send('* BYE Command line too long');
        setImmediate(() => this.close(true));
      };
    }
    originalInit.call(this);
  };
}

// ------------------------------------------------------------------------------------------------
// Stored structure cache: ENVELOPE, BODYSTRUCTURE and BODY compiled once to their wire form, so a
// FETCH copies strings instead of walking (and word-encoding) nested arrays for every message.

/** Wire forms ('binary' strings, i.e. one char per byte) of the three structure items. */
export interface ImapWire {
  envelope: string;
  bodystructure: string;
  body: string;
}

export interface ImapStructure extends ImapWire {
  v: 2;
  /** Forms for clients that enabled UTF8=ACCEPT, when they differ (non-ASCII names or subjects). */
  utf8?: ImapWire;
}

const indexer = new Indexer();

function wireOf(item: 'envelope' | 'bodystructure', value: unknown, utf8: boolean): string {
  const encoded = imapTools.getQueryResponse([{ item }], { [item]: value }, { acceptUTF8Enabled: utf8 })[0];
  return imapCore.imapHandler.compiler({ tag: '', command: '', attributes: [encoded] });
}

/** Deep copy of imap-core's nested arrays (its encoders rewrite values in place). */
function cloneStructure(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(cloneStructure);
  if (Buffer.isBuffer(v)) return Buffer.from(v);
  return v;
}

/**
 * imap-core's parser already decodes raw 8-bit header values as UTF-8, and its ENVELOPE builder
 * decodes the Subject a second time (mangling "Ça" into U+FFFD); it also cannot take a repeated
 * Subject. Hand it the Subject in the byte form it expects, for every (nested) message.
 */
function prepareSubjects(tree: MimeTree): void {
  const stack: MimeTree[] = [tree];
  while (stack.length) {
    const node = stack.pop()!;
    const header = node.parsedHeader as Record<string, unknown> | undefined;
    if (header && header.subject !== undefined) {
      const subject = Array.isArray(header.subject)
        ? String(header.subject.find((v) => String(v).trim()) ?? '')
        : String(header.subject);
      header.subject = Buffer.from(subject, 'utf8').toString('binary');
    }
    if (node.message && typeof node.message === 'object') stack.push(node.message as MimeTree);
    if (Array.isArray(node.childNodes)) for (const c of node.childNodes as MimeTree[]) stack.push(c);
  }
}

/** Computes the structure cache for a raw message. Throws on pathological input (callers fall back). */
export function indexImapStructure(raw: Buffer): ImapStructure {
  const tree = indexer.parseMimeTree(raw);
  prepareSubjects(tree);
  const envelope = indexer.getEnvelope(tree);
  const bodystructure = indexer.getBodyStructure(tree);
  const body = indexer.getBody(tree);
  const make = (utf8: boolean): ImapWire => ({
    envelope: wireOf('envelope', cloneStructure(envelope), utf8),
    bodystructure: wireOf('bodystructure', cloneStructure(bodystructure), utf8),
    body: wireOf('bodystructure', cloneStructure(body), utf8),
  });
  const ascii = make(false);
  const utf8 = make(true);
  const same =
    utf8.envelope === ascii.envelope &&
    utf8.bodystructure === ascii.bodystructure &&
    utf8.body === ascii.body;
  return same ? { v: 2, ...ascii } : { v: 2, ...ascii, utf8 };
}

export function isImapStructure(v: unknown): v is ImapStructure {
  const s = v as Partial<ImapStructure> | null;
  return (
    typeof s === 'object' &&
    s !== null &&
    s.v === 2 &&
    typeof s.envelope === 'string' &&
    typeof s.bodystructure === 'string'
  );
}

// ------------------------------------------------------------------------------------------------
// The typed backend the hooks call.

export interface ConnectionInfo {
  /** imap-core connection id (random, for logs and journaling) */
  readonly id: string;
  readonly remoteAddress: string;
  readonly closed: boolean;
}

/** What the backend may do on the client's connection while handling a command. */
export interface ImapConnection<F> extends ConnectionInfo {
  readonly utf8: boolean;
  /** The selected folder handle (what openFolder returned), if a folder is selected. */
  selected(): { folder: F; uids: readonly number[]; readOnly: boolean; condstore: boolean } | undefined;
  /**
   * Queues the selected folder's pending journal entries (EXISTS / EXPUNGE / FETCH) for this
   * connection; with emit, writes them now (otherwise imap-core sends them before the tagged
   * answer of commands that allow it, or at the next command).
   */
  syncSelected(opts: { emit: boolean }): void;
  /** Untagged FETCH (FLAGS [MODSEQ] [UID]) after a flag change in the selected folder. */
  sendFlags(uid: number, flags: readonly string[], opts: { modseq?: number; withUid?: boolean }): void;
}

export interface FolderListing {
  path: string;
  specialUse: string | null;
  subscribed: boolean;
}

export interface OpenedFolder<F> {
  handle: F;
  uids: number[];
  uidvalidity: number;
  uidnext: number;
  highestmodseq: number;
}

export interface FolderStatusInfo {
  messages: number;
  unseen: number;
  uidnext: number;
  uidvalidity: number;
  highestmodseq: number;
}

export interface FetchRequest {
  uids: number[];
  /** Summaries (ENVELOPE, BODYSTRUCTURE, BODY) are needed. */
  needStructure: boolean;
  /** Raw bytes or MIME sections are needed. */
  needContent: boolean;
  markAsSeen: boolean;
  changedSince: number;
}

export interface FetchedMessage {
  uid: number;
  modseq: number;
  flags: readonly string[];
  internalDate: number;
  size: number;
  /** Cached structure (absent for messages stored without it: computed from the raw bytes). */
  structure?: ImapStructure;
  raw(): Buffer;
  rawRange(start: number, length: number): Buffer;
  rawChunks(start: number, end: number): AsyncIterable<Buffer> | Iterable<Buffer>;
}

export interface StoreRequest {
  uids: number[];
  action: 'set' | 'add' | 'remove';
  flags: string[];
  silent: boolean;
  unchangedSince: number;
  isUid: boolean;
}

export interface CopyResultInfo {
  uidvalidity: number;
  source: number[];
  destination: number[];
}

/** One journal entry turned into an imap-core notification. */
export type FolderUpdate =
  | { command: 'EXISTS'; uid: number; modseq: number; _id: string }
  | { command: 'EXPUNGE'; uid: number; modseq: number; _id: string }
  | { command: 'FETCH'; uid: number; modseq: number; flags: string[]; _id: string };

export interface ImapBackend<U, F> {
  authenticate(
    conn: ConnectionInfo,
    username: string,
    password: string,
  ): Promise<{ user: U; id: string; username: string }>;
  /** The connection ended (logout, error, timeout); `user` if it had logged in. */
  connectionClosed(conn: ConnectionInfo, user: U | undefined): void;
  listFolders(user: U): Promise<FolderListing[]>;
  subscribe(user: U, path: string, subscribed: boolean): Promise<void>;
  createFolder(user: U, path: string): Promise<void>;
  renameFolder(user: U, from: string, to: string): Promise<void>;
  deleteFolder(user: U, path: string): Promise<void>;
  openFolder(conn: ImapConnection<F>, user: U, path: string): Promise<OpenedFolder<F>>;
  status(user: U, path: string): Promise<FolderStatusInfo>;
  append(
    conn: ImapConnection<F>,
    user: U,
    path: string,
    raw: Buffer,
    flags: string[],
    internalDate: number | undefined,
  ): Promise<{ uidvalidity: number; uid: number }>;
  store(conn: ImapConnection<F>, user: U, folder: F, req: StoreRequest): Promise<{ modified: number[] }>;
  expunge(
    conn: ImapConnection<F>,
    user: U,
    folder: F,
    opts: { uids?: number[]; silent: boolean },
  ): Promise<void>;
  copy(
    conn: ImapConnection<F>,
    user: U,
    folder: F,
    uids: number[],
    destination: string,
  ): Promise<CopyResultInfo>;
  move(
    conn: ImapConnection<F>,
    user: U,
    folder: F,
    uids: number[],
    destination: string,
  ): Promise<CopyResultInfo>;
  search(
    conn: ImapConnection<F>,
    user: U,
    folder: F,
    query: CoreSearchTerm[],
  ): Promise<{ uids: number[]; highestModseq?: number }>;
  fetch(
    conn: ImapConnection<F>,
    user: U,
    folder: F,
    req: FetchRequest,
  ): AsyncIterable<FetchedMessage> | Iterable<FetchedMessage>;
  quota(user: U): Promise<{ usedBytes: number; limitBytes: number }>;
  /** Registers a trigger called when the user's mailbox may have changed; returns the unregister function. */
  watch(user: U, trigger: () => void): () => void;
  /**
   * Journal entries for a selected folder handle since its last call (imap-core's getUpdates).
   * Synchronous on purpose: reading the journal and queueing the result happen in one step, so
   * notifications reach each connection exactly once and in journal order.
   */
  updates(folder: F): FolderUpdate[];
}

export interface ImapCoreListenerOptions {
  host: string;
  port: number;
  /** 'implicit' = TLS from the first byte (993); 'starttls' = plain until STARTTLS (143), LOGIN refused before. */
  tls: 'implicit' | 'starttls';
  tlsMaterial: { key: string; cert: string };
  sniCallback: (servername: string, cb: (err: Error | null, ctx?: SecureContext) => void) => void;
  /** Largest APPEND literal, bytes. */
  maxMessageBytes: number;
  idleTimeoutMs?: number;
  socketTimeoutMs?: number;
  serverName?: string;
  log: Logger;
}

export interface ImapCoreListener {
  listen(): Promise<{ address: string; port: number; family: string }>;
  /** Swaps the default TLS context (handshakes without SNI; SNI ones ask sniCallback). */
  setSecureContext(ctx: SecureContext): void;
  close(): Promise<void>;
  connectionCount(): number;
}

// ------------------------------------------------------------------------------------------------
// Server and hooks.

const USER = Symbol('facteur.imap.user');
type SessionWithUser<U> = CoreSession & { [USER]?: U };

function coreLogger(log: Logger) {
  const fields = (meta: unknown) => {
    const m = (meta ?? {}) as { tnx?: unknown; cid?: unknown; err?: unknown };
    return {
      tnx: typeof m.tnx === 'string' ? m.tnx : undefined,
      cid: typeof m.cid === 'string' ? m.cid : undefined,
      err: m.err,
    };
  };
  // imap-core's own messages interpolate command payloads: only the structured fields go out.
  return {
    debug() {},
    info(meta: unknown) {
      const f = fields(meta);
      log.debug(`imap.core.${f.tnx ?? 'info'}`, { cid: f.cid });
    },
    error(meta: unknown) {
      const f = fields(meta);
      log.warn(`imap.core.${f.tnx ?? 'error'}`, { cid: f.cid, err: f.err });
    },
  };
}

function connInfo(session: CoreSession): ConnectionInfo {
  return {
    id: session.id,
    remoteAddress: session.remoteAddress,
    get closed() {
      return !!session.socket?.destroyed || session.socket?.writable === false;
    },
  };
}

function binarySearch(list: readonly number[], uid: number): number {
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = list[mid]!;
    if (v === uid) return mid;
    if (v < uid) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

function imapConnection<U, F>(session: CoreSession, backend: ImapBackend<U, F>): ImapConnection<F> {
  const base = connInfo(session);
  return {
    ...base,
    get closed() {
      return base.closed;
    },
    get utf8() {
      return session.isUTF8Enabled();
    },
    selected() {
      const s = session.selected;
      if (!s) return undefined;
      return { folder: s.mailbox as F, uids: s.uidList, readOnly: s.readOnly, condstore: s.condstoreEnabled };
    },
    syncSelected(opts) {
      const s = session.selected;
      if (!s) return;
      const updates = backend.updates(s.mailbox as F);
      if (updates.length) s.notifications.push(...updates);
      if (opts.emit && s.notifications.length) session.writeStream.connection?.emitNotifications();
    },
    sendFlags(uid, flags, opts) {
      if (!session.selected) return;
      const r = session.formatResponse('FETCH', uid, {
        uid: opts.withUid ? uid : false,
        flags: [...flags],
        modseq: opts.modseq ?? false,
      });
      if (r) session.writeStream.write(r);
    },
  };
}

/** Runs a backend promise and hands imap-core a callback result; failures become NO [CODE]. */
function settle<T>(
  log: Logger,
  what: string,
  p: Promise<T>,
  ok: (v: T) => void,
  fail: (code: string, message: string) => void,
): void {
  p.then(ok, (err: unknown) => {
    const f = toImapFailure(err);
    if (f.unexpected) log.error('imap.backend_error', { op: what, err });
    fail(f.code, f.message);
  }).catch((err: unknown) => log.error('imap.callback_error', { op: what, err }));
}

/** A command whose only answer is OK, or NO with the failure's code. */
function settleDone(log: Logger, what: string, p: Promise<unknown>, cb: Cb): void {
  settle(
    log,
    what,
    p,
    () => cb(null, true),
    (code) => cb(null, code),
  );
}

export function createImapCoreServer<U, F>(
  opts: ImapCoreListenerOptions,
  backend: ImapBackend<U, F>,
): ImapCoreListener {
  const log = opts.log;
  protocolLog = log;
  const server = new imapCore.IMAPServer({
    // Passed to net.createServer: no Nagle delay before the small tagged answer after a big response.
    noDelay: true,
    secure: opts.tls === 'implicit',
    disableSTARTTLS: false,
    ignoreSTARTTLS: false,
    key: opts.tlsMaterial.key,
    cert: opts.tlsMaterial.cert,
    minVersion: 'TLSv1.2',
    SNICallback: opts.sniCallback,
    maxMessage: opts.maxMessageBytes,
    idleTimeout: opts.idleTimeoutMs ?? 30 * 60_000,
    socketTimeout: opts.socketTimeoutMs,
    skipFetchLog: true,
    enableCompression: false,
    useProxy: false,
    name: opts.serverName,
    id: { name: 'Facteur', vendor: 'Facteur' },
    logoutMessages: ['Facteur signing off'],
    logger: coreLogger(log),
    onClose(session: SessionWithUser<U>, done: () => void) {
      try {
        backend.connectionClosed(connInfo(session), session[USER]);
      } catch (err) {
        log.error('imap.close_error', { err });
      }
      delete session[USER];
      done();
    },
  });
  server.loggelf = () => false;
  server.on('error', (err) => log.warn('imap.server_error', { err }));

  const userOf = (session: SessionWithUser<U>): U => {
    const u = session[USER];
    if (u === undefined) throw new Error('no user on an authenticated session');
    return u;
  };

  // Notifications: imap-core registers one listener per authenticated connection.
  const unwatch = new WeakMap<object, () => void>();
  server.notifier = {
    addListener(session: SessionWithUser<U>, callback: (message?: unknown) => void) {
      const u = session[USER];
      if (u === undefined) return;
      // imap-core's listener reads `this._closing` (it expects an EventEmitter as `this`).
      const self = {};
      unwatch.set(
        callback,
        backend.watch(u, () => callback.call(self)),
      );
    },
    removeListener(_session: CoreSession, callback: (message?: unknown) => void) {
      unwatch.get(callback)?.();
      unwatch.delete(callback);
    },
    getUpdates(mailbox: F, _modifyIndex: number, callback: Cb) {
      let updates: FolderUpdate[];
      try {
        updates = backend.updates(mailbox);
      } catch (err) {
        return callback(err);
      }
      callback(null, updates);
    },
  };

  const hooks: Record<string, Cb> = {
    onAuth(
      login: { username: string; password: string; method: string },
      session: SessionWithUser<U>,
      cb: Cb,
    ) {
      backend.authenticate(connInfo(session), login.username, login.password).then(
        ({ user, id, username }) => {
          session[USER] = user;
          cb(null, { user: { id, username } });
        },
        (err: unknown) => {
          const f = toImapFailure(err);
          if (f.unexpected) log.error('imap.auth_error', { err });
          if (f.code === 'AUTHENTICATIONFAILED') return cb(null, null);
          // LOGIN passes {response, code, message} through; AUTHENTICATE prints only the message.
          const e = Object.assign(
            new Error(login.method === 'LOGIN' ? f.message : `[${f.code}] ${f.message}`),
            {
              response: 'NO',
              code: login.method === 'LOGIN' ? f.code : undefined,
            },
          );
          cb(e);
        },
      );
    },

    onList(_query: string, session: SessionWithUser<U>, cb: Cb) {
      settle(
        log,
        'list',
        backend.listFolders(userOf(session)),
        (list) => cb(null, list),
        () => cb(new Error('list failed')),
      );
    },

    onLsub(_query: string, session: SessionWithUser<U>, cb: Cb) {
      settle(
        log,
        'lsub',
        backend.listFolders(userOf(session)),
        (list) =>
          cb(
            null,
            list.filter((f) => f.subscribed),
          ),
        () => cb(new Error('lsub failed')),
      );
    },

    onSubscribe(path: string, session: SessionWithUser<U>, cb: Cb) {
      settleDone(log, 'subscribe', backend.subscribe(userOf(session), path, true), cb);
    },

    onUnsubscribe(path: string, session: SessionWithUser<U>, cb: Cb) {
      settleDone(log, 'unsubscribe', backend.subscribe(userOf(session), path, false), cb);
    },

    onCreate(path: string, session: SessionWithUser<U>, cb: Cb) {
      settleDone(log, 'create', backend.createFolder(userOf(session), path), cb);
    },

    onRename(from: string, to: string, session: SessionWithUser<U>, cb: Cb) {
      settleDone(log, 'rename', backend.renameFolder(userOf(session), from, to), cb);
    },

    onDelete(path: string, session: SessionWithUser<U>, cb: Cb) {
      settleDone(log, 'delete', backend.deleteFolder(userOf(session), path), cb);
    },

    onOpen(path: string, session: SessionWithUser<U>, cb: Cb) {
      // EXAMINE's read-only mode is enforced by imap-core itself (selected.readOnly).
      settle(
        log,
        'open',
        backend.openFolder(imapConnection(session, backend), userOf(session), path),
        (f) =>
          cb(null, {
            _id: f.handle,
            uidList: f.uids,
            modifyIndex: f.highestmodseq,
            uidValidity: f.uidvalidity,
            uidNext: f.uidnext,
            flags: [],
          }),
        (code) => cb(null, code),
      );
    },

    onStatus(path: string, session: SessionWithUser<U>, cb: Cb) {
      settle(
        log,
        'status',
        backend.status(userOf(session), path),
        (s) =>
          cb(null, {
            messages: s.messages,
            uidnext: s.uidnext,
            uidvalidity: s.uidvalidity,
            unseen: s.unseen,
            highestmodseq: s.highestmodseq,
          }),
        (code) => cb(null, code),
      );
    },

    onAppend(
      path: string,
      flags: string[],
      date: string | false,
      raw: Buffer,
      session: SessionWithUser<U>,
      cb: Cb,
    ) {
      let internalDate: number | undefined;
      if (date) {
        internalDate = parseInternalDate(String(date));
        if (internalDate === undefined) return cb(null, 'BADDATE'); // validated by imap-core already
      }
      settle(
        log,
        'append',
        backend.append(imapConnection(session, backend), userOf(session), path, raw, flags, internalDate),
        (r) => cb(null, true, { uidValidity: r.uidvalidity, uid: r.uid }),
        (code) => cb(null, code === 'NONEXISTENT' ? 'TRYCREATE' : code),
      );
    },

    onStore(
      mailbox: F,
      update: Omit<StoreRequest, 'uids' | 'flags'> & { messages: number[]; value: string[] },
      session: SessionWithUser<U>,
      cb: Cb,
    ) {
      const req: StoreRequest = {
        uids: update.messages,
        action: update.action,
        flags: update.value,
        silent: !!update.silent,
        unchangedSince: Number(update.unchangedSince) || 0,
        isUid: !!update.isUid,
      };
      settle(
        log,
        'store',
        backend.store(imapConnection(session, backend), userOf(session), mailbox, req),
        (r) => cb(null, true, r.modified),
        (code) => cb(null, code),
      );
    },

    onExpunge(
      mailbox: F,
      update: { isUid: boolean; messages?: number[]; silent?: boolean },
      session: SessionWithUser<U>,
      cb: Cb,
    ) {
      settleDone(
        log,
        'expunge',
        backend.expunge(imapConnection(session, backend), userOf(session), mailbox, {
          uids: update.isUid ? (update.messages ?? []) : undefined,
          silent: !!update.silent,
        }),
        cb,
      );
    },

    onCopy(
      _connection: unknown,
      mailbox: F,
      update: { destination: string; messages: number[] },
      session: SessionWithUser<U>,
      cb: Cb,
    ) {
      settle(
        log,
        'copy',
        backend.copy(
          imapConnection(session, backend),
          userOf(session),
          mailbox,
          update.messages,
          update.destination,
        ),
        (r) =>
          cb(null, true, { uidValidity: r.uidvalidity, sourceUid: r.source, destinationUid: r.destination }),
        (code) => cb(null, code === 'NONEXISTENT' ? 'TRYCREATE' : code),
      );
    },

    onMove(
      mailbox: F,
      update: { destination: string; messages: number[] },
      session: SessionWithUser<U>,
      cb: Cb,
    ) {
      settle(
        log,
        'move',
        backend.move(
          imapConnection(session, backend),
          userOf(session),
          mailbox,
          update.messages,
          update.destination,
        ),
        (r) =>
          cb(null, true, { uidValidity: r.uidvalidity, sourceUid: r.source, destinationUid: r.destination }),
        (code) => cb(null, code === 'NONEXISTENT' ? 'TRYCREATE' : code),
      );
    },

    onSearch(
      mailbox: F,
      options: { query: CoreSearchTerm[]; isUid: boolean },
      session: SessionWithUser<U>,
      cb: Cb,
    ) {
      settle(
        log,
        'search',
        backend.search(imapConnection(session, backend), userOf(session), mailbox, options.query),
        (r) => cb(null, { uidList: r.uids, highestModseq: r.highestModseq }),
        (code) => cb(null, { uidList: code }),
      );
    },

    onGetQuotaRoot(_path: string, session: SessionWithUser<U>, cb: Cb) {
      settle(
        log,
        'quota',
        backend.quota(userOf(session)),
        (q) => cb(null, { root: '', quota: q.limitBytes, storageUsed: q.usedBytes }),
        (code) => cb(null, code),
      );
    },

    onGetQuota(root: string, session: SessionWithUser<U>, cb: Cb) {
      if (root !== '') return cb(null, 'NONEXISTENT');
      settle(
        log,
        'quota',
        backend.quota(userOf(session)),
        (q) => cb(null, { root: '', quota: q.limitBytes, storageUsed: q.usedBytes }),
        (code) => cb(null, code),
      );
    },

    onFetch(mailbox: F, options: CoreFetchOptions, session: SessionWithUser<U>, cb: Cb) {
      runFetch(backend, log, mailbox, options, session, userOf(session)).then(
        () => cb(null, true),
        (err: unknown) => {
          const f = toImapFailure(err);
          if (f.unexpected) log.error('imap.fetch_error', { err });
          cb(null, f.code);
        },
      );
    },
  };
  for (const [name, fn] of Object.entries(hooks)) server[name as `on${string}`] = fn;

  return {
    listen: () =>
      new Promise((resolve, reject) => {
        const onError = (err: Error) => reject(err);
        server.server.once('error', onError);
        server.listen(opts.port, opts.host, () => {
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
        // imap-core waits closeTimeout (1 s) before closing open connections: do it now.
        for (const c of server.connections) {
          c.send('* BYE Server shutting down');
          setImmediate(() => c.close(true));
        }
      }),
    connectionCount: () => server.connections.size,
  };
}

/** RFC 3501 date-time: "17-Jul-1996 02:44:25 -0700" -> ms since epoch. */
export function parseInternalDate(s: string): number | undefined {
  const m = /^\s?(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([-+])(\d{2})(\d{2})$/.exec(
    s.trim().padStart(2, ' '),
  );
  if (!m) return undefined;
  const month = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'].indexOf(
    m[2]!.toLowerCase(),
  );
  if (month < 0) return undefined;
  const utc = Date.UTC(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  const offset = (Number(m[8]) * 60 + Number(m[9])) * 60_000 * (m[7] === '-' ? -1 : 1);
  const t = utc - offset;
  return Number.isFinite(t) ? t : undefined;
}

// ------------------------------------------------------------------------------------------------
// FETCH rendering.

interface CoreFetchOptions {
  bodystructureExist: boolean;
  envelopeExist: boolean;
  metadataOnly: boolean;
  markAsSeen: boolean;
  messages: number[];
  query: CoreFetchQueryItem[];
  changedSince: number;
  isUid: boolean;
}

/** Literal values up to this size are compiled in memory; larger ones stream from storage. */
const INLINE_LITERAL_BYTES = 1024 * 1024;
/** Metadata-only responses are sent in batches of about this many bytes. */
const BATCH_BYTES = 64 * 1024;

interface StreamValue {
  type: 'stream';
  value: Readable;
  expectedLength: number;
  startFrom?: number;
  maxLength?: number;
}

function headerEnd(buf: Buffer): number {
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return crlf + 4;
  if (lf >= 0) return lf + 2;
  return -1;
}

/** Bytes [start, end) of the raw message: a Buffer when small, a stream otherwise. */
function rawSlice(msg: FetchedMessage, start: number, end: number): Buffer | StreamValue {
  const len = Math.max(0, end - start);
  if (len <= INLINE_LITERAL_BYTES) return len === 0 ? Buffer.alloc(0) : msg.rawRange(start, len);
  return { type: 'stream', value: Readable.from(msg.rawChunks(start, end)), expectedLength: len };
}

function partialBounds(
  size: number,
  partial: { startFrom: number; maxLength: number } | undefined,
): [number, number] {
  if (!partial) return [0, size];
  const start = Math.min(size, Math.max(0, partial.startFrom));
  const end = partial.maxLength ? Math.min(size, start + partial.maxLength) : size;
  return [start, end];
}

class MessageRenderer {
  readonly #utf8: boolean;
  constructor(utf8: boolean) {
    this.#utf8 = utf8;
  }

  /** Values for one message, in query order; `large` tells whether a stream is involved. */
  values(
    msg: FetchedMessage,
    query: readonly CoreFetchQueryItem[],
  ): { values: unknown[]; streaming: boolean; literalBytes: number } {
    let tree: MimeTree | undefined;
    let structure: ImapStructure | undefined = msg.structure;
    let headerLen: number | undefined;
    const getStructure = (): ImapStructure => {
      if (!structure) {
        try {
          structure = indexImapStructure(msg.raw());
        } catch {
          structure = FALLBACK_STRUCTURE(msg.size);
        }
      }
      return structure;
    };
    const getTree = (): MimeTree => (tree ??= indexer.parseMimeTree(msg.raw()));
    const getHeaderLen = (): number => {
      if (headerLen === undefined) {
        const head = msg.rawRange(0, Math.min(msg.size, 256 * 1024));
        let end = headerEnd(head);
        if (end < 0 && msg.size > head.length) end = headerEnd(msg.raw());
        headerLen = end < 0 ? msg.size : end;
      }
      return headerLen;
    };
    const wire = (item: keyof ImapWire): { type: 'TEXT'; value: string } => {
      const st = getStructure();
      return { type: 'TEXT', value: ((this.#utf8 && st.utf8) || st)[item] };
    };

    let streaming = false;
    let literalBytes = 0;
    const values = query.map((item): unknown => {
      switch (item.item) {
        case 'uid':
          return msg.uid;
        case 'modseq':
          return msg.modseq;
        case 'flags':
          return [...msg.flags];
        case 'internaldate':
          return new Date(msg.internalDate);
        case 'rfc822.size':
          return msg.size;
        case 'envelope':
          return wire('envelope');
        case 'bodystructure':
          return wire('bodystructure');
      }
      let value: unknown;
      const rawWhole =
        item.item === 'rfc822' || (item.item === 'body' && item.path === '' && item.type === 'content');
      const rawHeader =
        item.item === 'rfc822.header' || (item.item === 'body' && item.path === '' && item.type === 'header');
      const rawText =
        item.item === 'rfc822.text' || (item.item === 'body' && item.path === '' && item.type === 'text');
      if (item.item === 'body' && item.type === undefined) {
        return wire('body'); // BODY without section: the short structure
      } else if (rawWhole || rawHeader || rawText) {
        const base = rawWhole ? 0 : rawHeader ? 0 : getHeaderLen();
        const limit = rawHeader ? getHeaderLen() : msg.size;
        const [s, e] = partialBounds(limit - base, item.partial);
        value = rawSlice(msg, base + s, base + e);
      } else {
        // A MIME part (BODY[1.2], BODY[1.MIME], HEADER.FIELDS ...): imap-core's indexer on the tree.
        const copy = {
          ...item,
          original: { ...item.original, partial: item.original.partial && [...item.original.partial] },
        };
        try {
          value = imapTools.getQueryResponse(
            [copy],
            { mimeTree: getTree() },
            { acceptUTF8Enabled: this.#utf8 },
          )[0];
        } catch {
          value = '';
        }
      }
      if (value && typeof value === 'object' && (value as StreamValue).type === 'stream') {
        streaming = true;
        const sv = value as StreamValue;
        literalBytes += sv.expectedLength - (sv.startFrom ?? 0);
      } else if (Buffer.isBuffer(value) || typeof value === 'string') {
        literalBytes += value.length;
      }
      return value;
    });
    return { values, streaming, literalBytes };
  }
}

/** For a message even imap-core's indexer cannot take apart (e.g. nesting deeper than the stack). */
const FALLBACK_STRUCTURE = (size: number): ImapStructure => ({
  v: 2,
  envelope: '(NIL "" NIL NIL NIL NIL NIL NIL NIL NIL)',
  bodystructure: `("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" ${size} 0 NIL NIL NIL NIL)`,
  body: `("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" ${size} 0)`,
});

/** Builds "* seq FETCH (...)" like imap-core's formatResponse, with RFC 3501 partial names (<origin>). */
function fetchResponse(
  seq: number,
  query: readonly CoreFetchQueryItem[],
  values: readonly unknown[],
): CoreResponse {
  const list: unknown[] = [];
  for (let i = 0; i < query.length; i++) {
    const item = query[i]!;
    const v = values[i];
    const original = item.original.partial
      ? { ...item.original, partial: [item.partial?.startFrom ?? 0] }
      : item.original;
    list.push(original);
    if (item.item === 'flags' || item.item === 'modseq') {
      list.push(([] as unknown[]).concat(v ?? []).map((x) => ({ type: 'ATOM', value: String(x ?? '') })));
    } else if (v && typeof v === 'object' && (v as { type?: unknown }).type === 'TEXT') {
      list.push(v); // precompiled structure
    } else if (v instanceof Date) {
      list.push({ type: 'ATOM', value: imapTools.formatInternalDate(v) });
    } else if (Array.isArray(v)) {
      list.push(v);
    } else if (item.isLiteral) {
      if (v && typeof v === 'object' && (v as StreamValue).type === 'stream') {
        const sv = v as StreamValue;
        list.push({
          type: 'LITERAL',
          value: sv.value,
          expectedLength: sv.expectedLength,
          startFrom: sv.startFrom,
          maxLength: sv.maxLength,
        });
      } else {
        // imap-core's stream compiler measures literals with toString(): give it a 'binary' string,
        // whose length is the byte count (a Buffer would be measured in UTF-8 characters).
        list.push({ type: 'LITERAL', value: Buffer.isBuffer(v) ? v.toString('latin1') : (v ?? '') });
      }
    } else {
      list.push({ type: 'ATOM', value: String(v ?? '') });
    }
  }
  return { tag: '*', command: String(seq), attributes: [{ type: 'ATOM', value: 'FETCH' }, list] };
}

async function runFetch<U, F>(
  backend: ImapBackend<U, F>,
  log: Logger,
  mailbox: F,
  options: CoreFetchOptions,
  session: CoreSession,
  user: U,
): Promise<void> {
  const selected = session.selected;
  if (!selected) return;
  const conn = imapConnection(session, backend);
  const query = options.query;
  const needStructure = query.some(
    (q) => q.item === 'envelope' || q.item === 'bodystructure' || (q.item === 'body' && q.type === undefined),
  );
  const req: FetchRequest = {
    uids: options.messages,
    needStructure,
    needContent: !options.metadataOnly,
    markAsSeen: options.markAsSeen,
    changedSince: options.changedSince || 0,
  };
  const renderer = new MessageRenderer(session.isUTF8Enabled());
  const write = (obj: unknown) =>
    new Promise<void>((resolve, reject) => {
      session.writeStream.write(obj, (err) => (err ? reject(err) : resolve()));
    });
  let batch: string[] = [];
  let batchBytes = 0;
  // Waiting for each batch to be taken keeps a slow client from piling a whole mailbox up in memory.
  const flush = async () => {
    if (!batch.length) return;
    const compiled = batch.join('\r\n');
    batch = [];
    batchBytes = 0;
    await write({ compiled });
  };
  for await (const msg of backend.fetch(conn, user, mailbox, req)) {
    if (conn.closed) break;
    const seq = binarySearch(selected.uidList, msg.uid) + 1;
    if (!seq) continue; // not known to this connection (arrived after its last EXISTS)
    const { values, streaming, literalBytes } = renderer.values(msg, query);
    const response = fetchResponse(seq, query, values);
    if (!streaming && literalBytes <= INLINE_LITERAL_BYTES) {
      const compiled = imapCore.imapHandler.compiler(response);
      batch.push(compiled);
      batchBytes += compiled.length;
      if (batchBytes >= BATCH_BYTES) await flush();
    } else {
      await flush();
      await write(imapCore.imapHandler.compileStream(response));
    }
  }
  await flush();
  if (conn.closed) log.debug('imap.fetch_aborted', { cid: session.id });
}
