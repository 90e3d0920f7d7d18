// IMAP semantics on top of the domain: every imap-core hook lands here (through the adapter) and
// talks only to MailCore / MailboxSession. One logged-in connection = one MailboxSession holding
// the mailbox key until the connection ends.
import { DomainError } from '../../domain/errors.ts';
import type { MailCore } from '../../domain/mail-core.ts';
import type { MailboxSession, MailboxView } from '../../domain/mailbox-session.ts';
import type { Logger } from '../../log/logger.ts';
import type { OpenMailboxes } from '../../notify/open-mailboxes.ts';
import type { LoginThrottle } from '../../security/login-throttle.ts';
import { FolderError, type MessageInfo } from '../../storage/mailbox-store.ts';
import { ALL } from '../../storage/uid-ranges.ts';
import { ProtocolRefusal } from '../error-codes.ts';
import {
  isImapStructure,
  type ConnectionInfo,
  type CopyResultInfo,
  type CoreSearchTerm,
  type FetchedMessage,
  type FetchRequest,
  type FolderListing,
  type FolderStatusInfo,
  type FolderUpdate,
  type ImapBackend,
  type ImapConnection,
  type OpenedFolder,
  type StoreRequest,
} from './imap-core-adapter.ts';
import { toRanges, translateSearch, usesModseq } from './imap-search.ts';
import { IMAP_SUMMARY_KEY } from './imap-summary.ts';

/** A logged-in IMAP connection's hold on its mailbox. */
export class ImapUser {
  readonly session: MailboxSession;
  readonly connectionId: string;
  #closed = false;

  constructor(session: MailboxSession, connectionId: string) {
    this.session = session;
    this.connectionId = connectionId;
  }

  get mailboxId(): string {
    return this.session.mailbox.id;
  }

  get view(): MailboxView {
    return this.session.view;
  }

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    this.#closed = true;
    this.session.close();
  }
}

/** The selected folder of one connection, and where that connection is in the change journal. */
export class SelectedFolder {
  readonly user: ImapUser;
  readonly folderId: number;
  /** Journal position: entries after it have not been reported to this connection. */
  lastChangeId: number;
  /** Highest UID announced to this connection (guards against announcing one twice). */
  maxUid: number;
  /** Flag changes this connection made and already answered: uid -> modseq. */
  readonly ownFlags = new Map<number, number>();

  constructor(user: ImapUser, folderId: number, lastChangeId: number, maxUid: number) {
    this.user = user;
    this.folderId = folderId;
    this.lastChangeId = lastChangeId;
    this.maxUid = maxUid;
  }

  toString(): string {
    return `${this.user.mailboxId}/${this.folderId}`;
  }
}

export interface ImapBackendDeps {
  core: MailCore;
  throttle: LoginThrottle;
  mailboxes: OpenMailboxes;
  log: Logger;
  /** Quota reported when the mailbox has none (RFC 9208 needs a number). Default 1 TiB. */
  defaultQuotaBytes?: number;
}

/** Messages read per storage query during FETCH. */
const FETCH_PAGE = 500;

function binaryHas(sorted: readonly number[], uid: number): boolean {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = sorted[mid]!;
    if (v === uid) return true;
    if (v < uid) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** Folder names: at most 16 levels, 255 bytes per level, 1024 bytes in all (no control characters). */
function checkFolderName(path: string): void {
  const parts = path.split('/');
  const ok =
    Buffer.byteLength(path) <= 1024 &&
    parts.length <= 16 &&
    parts.every((p) => Buffer.byteLength(p) <= 255) &&
    !/[\u0000-\u001f\u007f]/.test(path);
  if (!ok) throw new FolderError('CANNOT', 'folder name too long, too deep or with control characters');
}

function readOnlyRefusal(): ProtocolRefusal {
  return new ProtocolRefusal('NOT_ALLOWED', 'Mailbox is open read-only (EXAMINE)');
}

export class ImapMailBackend implements ImapBackend<ImapUser, SelectedFolder> {
  readonly #core: MailCore;
  readonly #throttle: LoginThrottle;
  readonly #mailboxes: OpenMailboxes;
  readonly #log: Logger;
  readonly #defaultQuota: number;

  constructor(deps: ImapBackendDeps) {
    this.#core = deps.core;
    this.#throttle = deps.throttle;
    this.#mailboxes = deps.mailboxes;
    this.#log = deps.log;
    this.#defaultQuota = deps.defaultQuotaBytes ?? 2 ** 40;
  }

  // ------------------------------------------------------------------ session lifecycle

  async authenticate(conn: ConnectionInfo, username: string, password: string) {
    const ip = conn.remoteAddress;
    await this.#throttle.assertAllowed(ip);
    let session: MailboxSession;
    try {
      // KDF + open + spool drain; repeated logins hit the login cache.
      session = await this.#core.openSession(username, password);
    } catch (err) {
      if (err instanceof DomainError && err.code === 'AUTH_FAILED') {
        const st = await this.#throttle.recordFailure(ip);
        this.#log.info('imap.login_failed', { cid: conn.id, ip, blocked: st.blocked });
      }
      throw err;
    }
    await this.#throttle.recordSuccess(ip);
    const user = new ImapUser(session, conn.id);
    if (conn.closed) {
      user.close();
      throw new DomainError('TEMPORARY', 'connection closed during login');
    }
    this.#mailboxes.add(session);
    // The login may have drained the spool: let the mailbox's other connections know.
    this.#mailboxes.changed(user.mailboxId);
    this.#log.info('imap.login', { cid: conn.id, mailboxId: user.mailboxId });
    return { user, id: user.mailboxId, username: session.mailbox.address };
  }

  connectionClosed(conn: ConnectionInfo, user: ImapUser | undefined): void {
    if (!user || user.closed) return;
    this.#mailboxes.remove(user.session);
    user.close();
    this.#log.debug('imap.logout', { cid: conn.id, mailboxId: user.mailboxId });
  }

  watch(user: ImapUser, trigger: () => void): () => void {
    return this.#mailboxes.watch(user.mailboxId, trigger);
  }

  // ------------------------------------------------------------------ folders

  async listFolders(user: ImapUser): Promise<FolderListing[]> {
    return user.view
      .listFolders()
      .map((f) => ({ path: f.name, specialUse: f.specialUse, subscribed: f.subscribed }));
  }

  async subscribe(user: ImapUser, path: string, subscribed: boolean): Promise<void> {
    user.view.setSubscribed(path, subscribed);
  }

  async createFolder(user: ImapUser, path: string): Promise<void> {
    this.#createParents(user, path);
    user.view.createFolder(path);
  }

  async renameFolder(user: ImapUser, from: string, to: string): Promise<void> {
    if (!user.view.getFolder(from)) throw new FolderError('NONEXISTENT', `no folder ${from}`);
    this.#createParents(user, to);
    user.view.renameFolder(from, to);
  }

  /** RFC 3501 CREATE / RENAME: superior hierarchical names are created as needed. */
  #createParents(user: ImapUser, path: string): void {
    checkFolderName(path);
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      if (parent && !user.view.getFolder(parent)) user.view.createFolder(parent);
    }
  }

  async deleteFolder(user: ImapUser, path: string): Promise<void> {
    user.view.deleteFolder(path);
    user.session.reportUsage();
  }

  #folder(user: ImapUser, path: string) {
    const f = user.view.getFolder(path);
    if (!f) throw new FolderError('NONEXISTENT', `no folder ${path}`);
    return f;
  }

  async openFolder(
    _conn: ImapConnection<SelectedFolder>,
    user: ImapUser,
    path: string,
  ): Promise<OpenedFolder<SelectedFolder>> {
    const view = user.view;
    const f = this.#folder(user, path);
    // Journal position first, then the UIDs: a change landing in between is reported at most once
    // (EXISTS for a UID already listed is skipped; see updates()).
    const lastChangeId = view.lastChangeId();
    const uids = view.uids(f.id);
    const now = view.folderById(f.id);
    return {
      handle: new SelectedFolder(user, f.id, lastChangeId, uids[uids.length - 1] ?? 0),
      uids,
      uidvalidity: now.uidvalidity,
      uidnext: now.uidnext,
      highestmodseq: now.highestmodseq,
    };
  }

  async status(user: ImapUser, path: string): Promise<FolderStatusInfo> {
    const f = this.#folder(user, path);
    const s = user.view.folderStatus(f.id);
    return {
      messages: s.messages,
      unseen: s.unseen,
      uidnext: s.uidnext,
      uidvalidity: s.uidvalidity,
      highestmodseq: s.highestmodseq,
    };
  }

  async quota(user: ImapUser): Promise<{ usedBytes: number; limitBytes: number }> {
    const limit = this.#core.config.getMailbox(user.mailboxId)?.quotaBytes ?? this.#defaultQuota;
    return { usedBytes: user.view.usage().bytes, limitBytes: limit };
  }

  // ------------------------------------------------------------------ messages

  async append(
    conn: ImapConnection<SelectedFolder>,
    user: ImapUser,
    path: string,
    raw: Buffer,
    flags: string[],
    internalDate: number | undefined,
  ): Promise<{ uidvalidity: number; uid: number }> {
    const f = this.#folder(user, path);
    const r = await user.session.append(f.id, raw, { flags, internalDate });
    // RFC 3501: appending to the selected folder announces the new message right away.
    const sel = conn.selected();
    if (sel && sel.folder.folderId === f.id && sel.folder.user === user) conn.syncSelected({ emit: true });
    this.#mailboxes.changed(user.mailboxId);
    return { uidvalidity: r.uidvalidity, uid: r.uid };
  }

  async store(
    conn: ImapConnection<SelectedFolder>,
    user: ImapUser,
    folder: SelectedFolder,
    req: StoreRequest,
  ): Promise<{ modified: number[] }> {
    const sel = conn.selected();
    if (sel?.readOnly) throw readOnlyRefusal();
    if (!req.uids.length) return { modified: [] };
    const r = user.view.storeFlags(folder.folderId, toRanges(req.uids), req.action, req.flags, {
      unchangedSince: req.unchangedSince > 0 ? req.unchangedSince : undefined,
    });
    const condstore = sel?.condstore ?? false;
    for (const c of r.changed) {
      folder.ownFlags.set(c.uid, c.modseq);
      if (!req.silent || condstore)
        conn.sendFlags(c.uid, c.flags, { modseq: condstore ? c.modseq : undefined, withUid: req.isUid });
    }
    if (r.changed.length) this.#mailboxes.changed(user.mailboxId);
    return { modified: r.modified };
  }

  async expunge(
    conn: ImapConnection<SelectedFolder>,
    user: ImapUser,
    folder: SelectedFolder,
    opts: { uids?: number[]; silent: boolean },
  ): Promise<void> {
    if (opts.uids && !opts.uids.length) return;
    const gone = user.view.expunge(folder.folderId, opts.uids ? toRanges(opts.uids) : ALL);
    if (!gone.length) return;
    user.session.reportUsage();
    // EXPUNGE answers come from the journal, before the tagged OK (CLOSE has deselected already).
    if (!opts.silent) conn.syncSelected({ emit: false });
    this.#mailboxes.changed(user.mailboxId);
  }

  #checkQuota(user: ImapUser, extraBytes: number): void {
    const quota = this.#core.config.getMailbox(user.mailboxId)?.quotaBytes;
    if (quota != null && user.view.usage().bytes + extraBytes > quota)
      throw new DomainError('OVER_QUOTA', 'mailbox is full');
  }

  async copy(
    conn: ImapConnection<SelectedFolder>,
    user: ImapUser,
    folder: SelectedFolder,
    uids: number[],
    destination: string,
  ): Promise<CopyResultInfo> {
    const dest = this.#folder(user, destination);
    const ranges = toRanges(uids);
    if (uids.length) {
      const bytes = user.view
        .fetch(folder.folderId, ranges, { summary: false })
        .reduce((n, m) => n + m.size, 0);
      this.#checkQuota(user, bytes);
    }
    const r = user.view.copy(folder.folderId, ranges, dest.id);
    if (!r.mapping.length) throw new ProtocolRefusal('INVALID', 'No messages to copy');
    user.session.reportUsage();
    if (dest.id === folder.folderId) conn.syncSelected({ emit: false });
    this.#mailboxes.changed(user.mailboxId);
    return {
      uidvalidity: r.uidvalidity,
      source: r.mapping.map((m) => m[0]),
      destination: r.mapping.map((m) => m[1]),
    };
  }

  async move(
    conn: ImapConnection<SelectedFolder>,
    user: ImapUser,
    folder: SelectedFolder,
    uids: number[],
    destination: string,
  ): Promise<CopyResultInfo> {
    if (conn.selected()?.readOnly) throw readOnlyRefusal();
    const dest = this.#folder(user, destination);
    const r = user.view.move(folder.folderId, toRanges(uids), dest.id);
    if (!r.mapping.length) throw new ProtocolRefusal('INVALID', 'No messages to move');
    // RFC 6851: the moved messages are expunged from the selected folder before the tagged OK.
    conn.syncSelected({ emit: false });
    this.#mailboxes.changed(user.mailboxId);
    return {
      uidvalidity: r.uidvalidity,
      source: r.mapping.map((m) => m[0]),
      destination: r.mapping.map((m) => m[1]),
    };
  }

  async search(
    conn: ImapConnection<SelectedFolder>,
    user: ImapUser,
    folder: SelectedFolder,
    terms: CoreSearchTerm[],
  ): Promise<{ uids: number[]; highestModseq?: number }> {
    const known = conn.selected()?.uids ?? [];
    const found = user.view.search(folder.folderId, translateSearch(terms));
    // Only messages this connection has been told about (their sequence numbers exist).
    const uids = found.filter((u) => binaryHas(known, u));
    if (!usesModseq(terms) || !uids.length) return { uids };
    let highest = 0;
    for (const m of user.view.fetch(folder.folderId, toRanges(uids), { summary: false }))
      highest = Math.max(highest, m.modseq);
    return { uids, highestModseq: highest };
  }

  *fetch(
    conn: ImapConnection<SelectedFolder>,
    user: ImapUser,
    folder: SelectedFolder,
    req: FetchRequest,
  ): Iterable<FetchedMessage> {
    if (!req.uids.length) return;
    const view = user.view;
    const folderId = folder.folderId;
    if (req.markAsSeen && !conn.selected()?.readOnly) {
      const r = view.storeFlags(folderId, toRanges(req.uids), 'add', ['\\Seen']);
      for (const c of r.changed) folder.ownFlags.set(c.uid, c.modseq);
      if (r.changed.length) this.#mailboxes.changed(user.mailboxId);
    }
    for (let i = 0; i < req.uids.length; i += FETCH_PAGE) {
      if (conn.closed || user.closed) return;
      const page = view.fetch(folderId, toRanges(req.uids.slice(i, i + FETCH_PAGE)), {
        summary: req.needStructure,
        summaryKey: IMAP_SUMMARY_KEY, // only the IMAP part of the summary: half the bytes to parse
        changedSince: req.changedSince > 0 ? req.changedSince : undefined,
      });
      for (const m of page) yield fetched(view, folderId, m);
    }
  }

  // ------------------------------------------------------------------ change notifications

  updates(folder: SelectedFolder): FolderUpdate[] {
    if (folder.user.closed) return [];
    const view = folder.user.view;
    const changes = view.changesSince(folder.lastChangeId, folder.folderId);
    if (!changes.length) return [];
    folder.lastChangeId = changes[changes.length - 1]!.id;
    const flagUids = changes.filter((c) => c.kind === 'flags').map((c) => c.uid);
    const current = new Map<number, string[]>();
    if (flagUids.length) {
      for (const m of view.fetch(folder.folderId, toRanges(flagUids), { summary: false }))
        current.set(m.uid, m.flags);
    }
    const out: FolderUpdate[] = [];
    for (const c of changes) {
      const _id = String(c.id);
      if (c.kind === 'exists') {
        if (c.uid <= folder.maxUid) continue;
        folder.maxUid = c.uid;
        out.push({ command: 'EXISTS', uid: c.uid, modseq: c.modseq, _id });
      } else if (c.kind === 'expunge') {
        folder.ownFlags.delete(c.uid);
        out.push({ command: 'EXPUNGE', uid: c.uid, modseq: c.modseq, _id });
      } else {
        const own = folder.ownFlags.get(c.uid);
        if (own !== undefined && c.modseq <= own) {
          if (c.modseq === own) folder.ownFlags.delete(c.uid);
          continue; // this connection already answered with these flags
        }
        const flags = current.get(c.uid);
        if (flags) out.push({ command: 'FETCH', uid: c.uid, modseq: c.modseq, flags, _id });
      }
    }
    return out;
  }
}

function fetched(view: MailboxView, folderId: number, m: MessageInfo): FetchedMessage {
  let raw: Buffer | undefined;
  const uid = m.uid;
  const whole = (): Buffer => (raw ??= view.readRaw(folderId, uid) ?? Buffer.alloc(0));
  return {
    uid,
    modseq: m.modseq,
    flags: m.flags,
    internalDate: m.internalDate,
    size: m.size,
    structure: isImapStructure(m.summary) ? m.summary : undefined,
    raw: whole,
    rawRange(start, length) {
      if (raw) return raw.subarray(start, start + length);
      return view.readRawRange(folderId, uid, start, length) ?? Buffer.alloc(0);
    },
    *rawChunks(start, end) {
      const step = 256 * 1024;
      for (let off = start; off < end; off += step) {
        const part = view.readRawRange(folderId, uid, off, Math.min(step, end - off));
        if (!part || !part.length) return;
        yield part;
      }
    },
  };
}
