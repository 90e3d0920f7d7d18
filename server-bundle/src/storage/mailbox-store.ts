// One mailbox = one SQLite file encrypted with a key derived from the mailbox master key K.
// Everything IMAP and POP3 need lives here: folders with UIDVALIDITY/UIDNEXT/HIGHESTMODSEQ,
// messages with flags and modseq (CONDSTORE), raw bytes, a summary cache for FETCH, an FTS5
// index for SEARCH, and a change journal for IDLE across processes.
import { mailboxDatabaseKey } from '../crypto/mailbox-keys.ts';
import { migrate } from './migrations.ts';
import { MAILBOX_MIGRATIONS } from './mailbox-schema.ts';
import { DavStore } from './dav-store.ts';
import { buildSearch, type SearchQuery } from './search-query.ts';
import { openDatabase, type Db, type Statement } from './sqlite-adapter.ts';
import { ALL, MAX_UID, normalizeRanges, type UidRange } from './uid-ranges.ts';

export const CHUNK_BYTES = 256 * 1024;
/** body_chunks rowid = body id * CHUNK_SLOTS + seq (messages up to 1 GiB). */
const CHUNK_SLOTS = 4096;

export interface Folder {
  id: number;
  name: string;
  specialUse: string | null;
  subscribed: boolean;
  uidvalidity: number;
  uidnext: number;
  highestmodseq: number;
}

export interface FolderStatus {
  messages: number;
  unseen: number;
  deleted: number;
  bytes: number;
  uidnext: number;
  uidvalidity: number;
  highestmodseq: number;
}

/** Text fed to the full-text index; nothing of it is stored besides the index itself. */
export interface SearchText {
  subject?: string;
  sender?: string;
  recipients?: string;
  headers?: string;
  body?: string;
}

export interface AppendInput {
  raw: Buffer;
  flags?: readonly string[];
  /** ms since epoch; defaults to now */
  internalDate?: number;
  /** JSON-serializable cache served by FETCH (envelope, body structure, ...). */
  summary: unknown;
  text: SearchText;
  /** Spool file this message comes from: recorded in the same transaction (idempotent drain). */
  spoolId?: string;
}

export interface AppendResult {
  uid: number;
  modseq: number;
  uidvalidity: number;
  /** true when spoolId had already been delivered: nothing was added */
  duplicate: boolean;
}

export interface MessageInfo {
  uid: number;
  modseq: number;
  flags: string[];
  internalDate: number;
  size: number;
  summary?: unknown;
}

export interface FlagChange {
  uid: number;
  modseq: number;
  flags: string[];
}

export interface StoreFlagsResult {
  changed: FlagChange[];
  /** UNCHANGEDSINCE failures (RFC 7162 MODIFIED response) */
  modified: number[];
}

export interface CopyResult {
  uidvalidity: number;
  /** [source uid, destination uid] */
  mapping: Array<[number, number]>;
}

export interface Change {
  id: number;
  folderId: number;
  modseq: number;
  kind: 'exists' | 'flags' | 'expunge';
  uid: number;
}

export class FolderError extends Error {
  override name = 'FolderError';
  readonly code: 'NONEXISTENT' | 'ALREADYEXISTS' | 'CANNOT';
  constructor(code: FolderError['code'], message: string) {
    super(message);
    this.code = code;
  }
}

interface MessageRow {
  id: number;
  uid: number;
  modseq: number;
  flags: string;
  internal_date: number;
  size: number;
  body_id: number;
  summary?: string;
}

interface FolderRow {
  id: number;
  name: string;
  special_use: string | null;
  subscribed: number;
  uidvalidity: number;
  uidnext: number;
  highestmodseq: number;
}

function toFolder(r: FolderRow): Folder {
  return {
    id: r.id,
    name: r.name,
    specialUse: r.special_use,
    subscribed: r.subscribed === 1,
    uidvalidity: r.uidvalidity,
    uidnext: r.uidnext,
    highestmodseq: r.highestmodseq,
  };
}

export function normalizeFlags(flags: Iterable<string>): string[] {
  const seen = new Map<string, string>();
  for (const f of flags) {
    if (!f || /[\s()]/.test(f)) continue;
    const key = f.startsWith('\\') ? f.toLowerCase() : f;
    if (!seen.has(key)) seen.set(key, f);
  }
  return [...seen.values()].sort();
}

function splitFlags(s: string): string[] {
  return s ? s.split(' ') : [];
}

export function normalizeFolderName(name: string): string {
  const trimmed = name.replace(/^\/+|\/+$/g, '');
  return trimmed.toUpperCase() === 'INBOX' ? 'INBOX' : trimmed;
}

export interface MailboxStoreOptions {
  /** Open an unencrypted file (benchmark baseline only). */
  plaintext?: boolean;
  readonly?: boolean;
  now?: () => number;
}

export class MailboxStore {
  readonly #db: Db;
  readonly #stmts = new Map<string, Statement>();
  readonly #now: () => number;
  #dav: DavStore | undefined;

  private constructor(db: Db, now: () => number) {
    this.#db = db;
    this.#now = now;
  }

  /** Opens (creating and migrating if needed) the mailbox file with master key K. */
  static open(path: string, masterKey: Buffer | null, opts: MailboxStoreOptions = {}): MailboxStore {
    const key = opts.plaintext ? null : masterKey ? mailboxDatabaseKey(masterKey) : null;
    if (!key && !opts.plaintext) throw new Error('a mailbox key is required');
    try {
      const db = openDatabase(path, { key, readonly: opts.readonly ?? false });
      try {
        if (!opts.readonly) migrate(db, MAILBOX_MIGRATIONS);
        return new MailboxStore(db, opts.now ?? Date.now);
      } catch (err) {
        db.close();
        throw err;
      }
    } finally {
      key?.fill(0);
    }
  }

  /** Calendars and address books kept in this same file (one per store, created on first use). */
  get dav(): DavStore {
    this.#dav ??= new DavStore(this.#db, this.#now);
    return this.#dav;
  }

  close(): void {
    this.#stmts.clear();
    if (this.#db.open) this.#db.close();
  }

  /** Runs fn in one IMMEDIATE transaction (nested calls become savepoints). */
  batch<T>(fn: () => T): T {
    return this.#db.transaction(fn).immediate();
  }

  #q<R = unknown>(sql: string): Statement<unknown[], R> {
    let s = this.#stmts.get(sql);
    if (!s) {
      s = this.#db.prepare(sql);
      this.#stmts.set(sql, s);
    }
    return s as Statement<unknown[], R>;
  }

  // ---------------------------------------------------------------- folders

  listFolders(): Folder[] {
    return this.#q<FolderRow>("SELECT * FROM folders ORDER BY name = 'INBOX' DESC, name").all().map(toFolder);
  }

  getFolder(name: string): Folder | undefined {
    const r = this.#q<FolderRow>('SELECT * FROM folders WHERE name = ?').get(normalizeFolderName(name));
    return r ? toFolder(r) : undefined;
  }

  #folder(folderId: number): FolderRow {
    const r = this.#q<FolderRow>('SELECT * FROM folders WHERE id = ?').get(folderId);
    if (!r) throw new FolderError('NONEXISTENT', `no folder ${folderId}`);
    return r;
  }

  folderById(folderId: number): Folder {
    return toFolder(this.#folder(folderId));
  }

  folderBySpecialUse(specialUse: string): Folder | undefined {
    const r = this.#q<FolderRow>('SELECT * FROM folders WHERE special_use = ? ORDER BY id LIMIT 1').get(
      specialUse,
    );
    return r ? toFolder(r) : undefined;
  }

  createFolder(name: string, specialUse: string | null = null): Folder {
    const n = normalizeFolderName(name);
    if (!n || n.split('/').some((p) => p === '')) throw new FolderError('CANNOT', 'invalid folder name');
    return this.batch(() => {
      if (this.getFolder(n)) throw new FolderError('ALREADYEXISTS', `folder ${n} exists`);
      // A re-created name must never reuse a UIDVALIDITY (clients would trust stale UIDs).
      const max = this.#q<{ v: number | null }>('SELECT max(uidvalidity) AS v FROM folders').get()?.v ?? 0;
      const uidvalidity = Math.min(0xffff_ffff, Math.max(Math.floor(this.#now() / 1000), max + 1));
      this.#q('INSERT INTO folders (name, special_use, uidvalidity, created_at) VALUES (?, ?, ?, ?)').run(
        n,
        specialUse,
        uidvalidity,
        this.#now(),
      );
      return this.getFolder(n)!;
    });
  }

  /** Renames a folder and its children; UIDVALIDITY stays (RFC 3501 allows it, clients keep caches). */
  renameFolder(from: string, to: string): void {
    const a = normalizeFolderName(from);
    const b = normalizeFolderName(to);
    if (a === 'INBOX') throw new FolderError('CANNOT', 'renaming INBOX is handled by the protocol layer');
    this.batch(() => {
      if (!this.getFolder(a)) throw new FolderError('NONEXISTENT', `no folder ${a}`);
      if (this.getFolder(b)) throw new FolderError('ALREADYEXISTS', `folder ${b} exists`);
      this.#q('UPDATE folders SET name = ? WHERE name = ?').run(b, a);
      this.#q('UPDATE folders SET name = ? || substr(name, ?) WHERE substr(name, 1, ?) = ?').run(
        b,
        a.length + 1,
        a.length + 1,
        `${a}/`,
      );
    });
  }

  deleteFolder(name: string): void {
    const n = normalizeFolderName(name);
    if (n === 'INBOX') throw new FolderError('CANNOT', 'INBOX cannot be deleted');
    this.batch(() => {
      const f = this.getFolder(n);
      if (!f) throw new FolderError('NONEXISTENT', `no folder ${n}`);
      const rows = this.#q<{ id: number; body_id: number }>(
        'SELECT id, body_id FROM messages WHERE folder_id = ?',
      ).all(f.id);
      this.#dropMessages(rows);
      this.#q('DELETE FROM changes WHERE folder_id = ?').run(f.id);
      this.#q('DELETE FROM folders WHERE id = ?').run(f.id);
    });
  }

  setSubscribed(name: string, subscribed: boolean): void {
    const r = this.#q('UPDATE folders SET subscribed = ? WHERE name = ?').run(
      subscribed ? 1 : 0,
      normalizeFolderName(name),
    );
    if (!r.changes) throw new FolderError('NONEXISTENT', `no folder ${name}`);
  }

  folderStatus(folderId: number): FolderStatus {
    const f = this.#folder(folderId);
    const s = this.#q<{ messages: number; unseen: number; deleted: number; bytes: number }>(
      `SELECT count(*) AS messages,
              coalesce(sum(instr(' ' || flags || ' ', ' \\Seen ') = 0), 0) AS unseen,
              coalesce(sum(instr(' ' || flags || ' ', ' \\Deleted ') > 0), 0) AS deleted,
              coalesce(sum(size), 0) AS bytes
         FROM messages WHERE folder_id = ?`,
    ).get(folderId)!;
    return { ...s, uidnext: f.uidnext, uidvalidity: f.uidvalidity, highestmodseq: f.highestmodseq };
  }

  // ---------------------------------------------------------------- messages

  /** Adds a message; with spoolId, a second delivery of the same spool file is a no-op. */
  append(folderId: number, input: AppendInput): AppendResult {
    return this.batch(() => {
      const f = this.#folder(folderId);
      if (input.spoolId !== undefined) {
        const seen = this.#q('SELECT 1 FROM spool_receipts WHERE spool_id = ?').get(input.spoolId);
        if (seen) return { uid: 0, modseq: 0, uidvalidity: f.uidvalidity, duplicate: true };
      }
      if (f.uidnext > MAX_UID) throw new FolderError('CANNOT', 'UID space exhausted');
      const raw = input.raw;
      const bodyId = Number(
        this.#q('INSERT INTO bodies (size, refs, summary) VALUES (?, 1, ?)').run(
          raw.length,
          JSON.stringify(input.summary ?? {}),
        ).lastInsertRowid,
      );
      if (raw.length > CHUNK_BYTES * CHUNK_SLOTS) throw new FolderError('CANNOT', 'message too large');
      const addChunk = this.#q('INSERT INTO body_chunks (id, data) VALUES (?, ?)');
      for (let off = 0, seq = 0; off < raw.length || seq === 0; off += CHUNK_BYTES, seq++) {
        addChunk.run(bodyId * CHUNK_SLOTS + seq, raw.subarray(off, off + CHUNK_BYTES));
      }
      const t = input.text;
      this.#q(
        'INSERT INTO body_fts (rowid, subject, sender, recipients, headers, body) VALUES (?, ?, ?, ?, ?, ?)',
      ).run(bodyId, t.subject ?? '', t.sender ?? '', t.recipients ?? '', t.headers ?? '', t.body ?? '');
      const uid = f.uidnext;
      const modseq = f.highestmodseq + 1;
      const flags = normalizeFlags(input.flags ?? []).join(' ');
      const msgId = Number(
        this.#q(
          'INSERT INTO messages (folder_id, uid, modseq, flags, internal_date, size, body_id) VALUES (?, ?, ?, ?, ?, ?, ?)',
        ).run(folderId, uid, modseq, flags, input.internalDate ?? this.#now(), raw.length, bodyId)
          .lastInsertRowid,
      );
      this.#q('UPDATE folders SET uidnext = ?, highestmodseq = ? WHERE id = ?').run(
        uid + 1,
        modseq,
        folderId,
      );
      this.#journal(folderId, modseq, 'exists', uid);
      if (input.spoolId !== undefined) {
        this.#q('INSERT INTO spool_receipts (spool_id, message_id, at) VALUES (?, ?, ?)').run(
          input.spoolId,
          msgId,
          this.#now(),
        );
      }
      return { uid, modseq, uidvalidity: f.uidvalidity, duplicate: false };
    });
  }

  hasSpoolReceipt(spoolId: string): boolean {
    return this.#q('SELECT 1 FROM spool_receipts WHERE spool_id = ?').get(spoolId) !== undefined;
  }

  /** Receipts only matter while their spool file may still exist (a crash before unlink). */
  pruneSpoolReceipts(olderThanMs: number): number {
    return this.#q('DELETE FROM spool_receipts WHERE at < ?').run(this.#now() - olderThanMs).changes;
  }

  /** All UIDs of a folder, ascending: the IMAP layer derives sequence numbers from it. */
  uids(folderId: number): number[] {
    return this.#q<{ uid: number }>('SELECT uid FROM messages WHERE folder_id = ? ORDER BY uid')
      .raw(true)
      .all(folderId)
      .map((r) => (r as unknown as [number])[0]);
  }

  /** Messages in the UID ranges, ascending; `changedSince` keeps those with modseq > value. */
  fetch(
    folderId: number,
    ranges: readonly UidRange[] = ALL,
    opts: { summary?: boolean; summaryKey?: string; changedSince?: number } = {},
  ): MessageInfo[] {
    const withSummary = opts.summary ?? true;
    // summaryKey: only that top-level member of the summary (extracted by SQLite, parsed here).
    const key =
      withSummary && opts.summaryKey !== undefined
        ? `$."${opts.summaryKey.replace(/["\\]/g, '')}"`
        : undefined;
    const sql = withSummary
      ? `SELECT m.uid, m.modseq, m.flags, m.internal_date, m.size, ${key ? 'json_extract(b.summary, ?)' : 'b.summary'} AS summary
           FROM messages m JOIN bodies b ON b.id = m.body_id
          WHERE m.folder_id = ? AND m.uid BETWEEN ? AND ? AND m.modseq > ? ORDER BY m.uid`
      : `SELECT uid, modseq, flags, internal_date, size FROM messages
          WHERE folder_id = ? AND uid BETWEEN ? AND ? AND modseq > ? ORDER BY uid`;
    const stmt = this.#q<MessageRow>(sql);
    const out: MessageInfo[] = [];
    for (const [a, b] of normalizeRanges(ranges)) {
      const rows = key
        ? stmt.iterate(key, folderId, a, b, opts.changedSince ?? 0)
        : stmt.iterate(folderId, a, b, opts.changedSince ?? 0);
      for (const r of rows) {
        const m: MessageInfo = {
          uid: r.uid,
          modseq: r.modseq,
          flags: splitFlags(r.flags),
          internalDate: r.internal_date,
          size: r.size,
        };
        if (withSummary && r.summary != null) m.summary = JSON.parse(r.summary);
        out.push(m);
      }
    }
    return out;
  }

  #bodyOf(folderId: number, uid: number): { body_id: number; size: number } | undefined {
    return this.#q<{ body_id: number; size: number }>(
      'SELECT body_id, size FROM messages WHERE folder_id = ? AND uid = ?',
    ).get(folderId, uid);
  }

  /** The raw message, or undefined when the UID is gone. */
  readRaw(folderId: number, uid: number): Buffer | undefined {
    const m = this.#bodyOf(folderId, uid);
    if (!m) return undefined;
    const base = m.body_id * CHUNK_SLOTS;
    const parts = this.#q<{ data: Buffer }>(
      'SELECT data FROM body_chunks WHERE id BETWEEN ? AND ? ORDER BY id',
    ).all(base, base + CHUNK_SLOTS - 1);
    return parts.length === 1
      ? parts[0]!.data
      : Buffer.concat(
          parts.map((p) => p.data),
          m.size,
        );
  }

  /** Bytes [start, start+length) of the raw message, reading only the chunks that hold them. */
  readRawRange(folderId: number, uid: number, start: number, length: number): Buffer | undefined {
    const m = this.#bodyOf(folderId, uid);
    if (!m) return undefined;
    const end = Math.min(m.size, start + length);
    if (start >= end) return Buffer.alloc(0);
    const first = Math.floor(start / CHUNK_BYTES);
    const last = Math.floor((end - 1) / CHUNK_BYTES);
    const parts = this.#q<{ data: Buffer }>(
      'SELECT data FROM body_chunks WHERE id BETWEEN ? AND ? ORDER BY id',
    ).all(m.body_id * CHUNK_SLOTS + first, m.body_id * CHUNK_SLOTS + last);
    const joined = parts.length === 1 ? parts[0]!.data : Buffer.concat(parts.map((p) => p.data));
    const base = first * CHUNK_BYTES;
    return joined.subarray(start - base, end - base);
  }

  /** Raw message chunk by chunk (for large messages sent to a socket). */
  *readRawChunks(folderId: number, uid: number): Generator<Buffer> {
    const m = this.#bodyOf(folderId, uid);
    if (!m) return;
    const count = Math.max(1, Math.ceil(m.size / CHUNK_BYTES));
    const one = this.#q<{ data: Buffer }>('SELECT data FROM body_chunks WHERE id = ?');
    for (let seq = 0; seq < count; seq++) yield one.get(m.body_id * CHUNK_SLOTS + seq)!.data;
  }

  /** STORE / UID STORE with CONDSTORE: one new modseq for all messages changed by this call. */
  storeFlags(
    folderId: number,
    ranges: readonly UidRange[],
    mode: 'set' | 'add' | 'remove',
    flags: readonly string[],
    opts: { unchangedSince?: number } = {},
  ): StoreFlagsResult {
    return this.batch(() => {
      const f = this.#folder(folderId);
      const wanted = normalizeFlags(flags);
      const wantedKeys = new Set(wanted.map((x) => (x.startsWith('\\') ? x.toLowerCase() : x)));
      const keyOf = (x: string) => (x.startsWith('\\') ? x.toLowerCase() : x);
      const rows = this.fetch(folderId, ranges, { summary: false });
      const modseq = f.highestmodseq + 1;
      const changed: FlagChange[] = [];
      const modified: number[] = [];
      const update = this.#q('UPDATE messages SET flags = ?, modseq = ? WHERE folder_id = ? AND uid = ?');
      for (const r of rows) {
        if (opts.unchangedSince !== undefined && r.modseq > opts.unchangedSince) {
          modified.push(r.uid);
          continue;
        }
        let next: string[];
        if (mode === 'set') next = wanted;
        else if (mode === 'add') next = normalizeFlags([...r.flags, ...wanted]);
        else next = r.flags.filter((x) => !wantedKeys.has(keyOf(x)));
        if (next.join(' ') === r.flags.join(' ')) continue;
        update.run(next.join(' '), modseq, folderId, r.uid);
        this.#journal(folderId, modseq, 'flags', r.uid);
        changed.push({ uid: r.uid, modseq, flags: next });
      }
      if (changed.length) this.#q('UPDATE folders SET highestmodseq = ? WHERE id = ?').run(modseq, folderId);
      return { changed, modified };
    });
  }

  /** COPY: new rows sharing the same bodies (no bytes duplicated). */
  copy(fromFolderId: number, ranges: readonly UidRange[], toFolderId: number): CopyResult {
    return this.batch(() => this.#copyOrMove(fromFolderId, ranges, toFolderId, false));
  }

  /** MOVE (RFC 6851): the rows change folder and get new UIDs; the source sees them expunged. */
  move(fromFolderId: number, ranges: readonly UidRange[], toFolderId: number): CopyResult {
    return this.batch(() => this.#copyOrMove(fromFolderId, ranges, toFolderId, true));
  }

  #copyOrMove(fromId: number, ranges: readonly UidRange[], toId: number, move: boolean): CopyResult {
    const src = this.#folder(fromId);
    const dst = this.#folder(toId);
    if (fromId === toId && move) return { uidvalidity: dst.uidvalidity, mapping: [] };
    const rows: Array<{
      id: number;
      uid: number;
      flags: string;
      internal_date: number;
      size: number;
      body_id: number;
    }> = [];
    const sel = this.#q<(typeof rows)[number]>(
      'SELECT id, uid, flags, internal_date, size, body_id FROM messages WHERE folder_id = ? AND uid BETWEEN ? AND ? ORDER BY uid',
    );
    for (const [a, b] of normalizeRanges(ranges)) rows.push(...sel.all(fromId, a, b));
    if (!rows.length) return { uidvalidity: dst.uidvalidity, mapping: [] };
    if (dst.uidnext + rows.length - 1 > MAX_UID) throw new FolderError('CANNOT', 'UID space exhausted');
    const dstModseq = dst.highestmodseq + 1;
    const mapping: Array<[number, number]> = [];
    let uid = dst.uidnext;
    const ins = this.#q(
      'INSERT INTO messages (folder_id, uid, modseq, flags, internal_date, size, body_id) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    const mv = this.#q('UPDATE messages SET folder_id = ?, uid = ?, modseq = ? WHERE id = ?');
    const ref = this.#q('UPDATE bodies SET refs = refs + 1 WHERE id = ?');
    for (const r of rows) {
      if (move) mv.run(toId, uid, dstModseq, r.id);
      else {
        ins.run(toId, uid, dstModseq, r.flags, r.internal_date, r.size, r.body_id);
        ref.run(r.body_id);
      }
      this.#journal(toId, dstModseq, 'exists', uid);
      mapping.push([r.uid, uid]);
      uid++;
    }
    this.#q('UPDATE folders SET uidnext = ?, highestmodseq = ? WHERE id = ?').run(uid, dstModseq, toId);
    if (move) {
      const srcModseq = fromId === toId ? dstModseq : src.highestmodseq + 1;
      for (const r of rows) this.#journal(fromId, srcModseq, 'expunge', r.uid);
      this.#q('UPDATE folders SET highestmodseq = max(highestmodseq, ?) WHERE id = ?').run(srcModseq, fromId);
    }
    return { uidvalidity: dst.uidvalidity, mapping };
  }

  /** EXPUNGE / UID EXPUNGE: removes \Deleted messages (within `ranges` if given); returns their UIDs. */
  expunge(folderId: number, ranges: readonly UidRange[] = ALL): number[] {
    return this.batch(() => {
      const f = this.#folder(folderId);
      const rows: Array<{ id: number; uid: number; body_id: number }> = [];
      const sel = this.#q<(typeof rows)[number]>(
        `SELECT id, uid, body_id FROM messages
          WHERE folder_id = ? AND uid BETWEEN ? AND ? AND instr(' ' || flags || ' ', ' \\Deleted ') > 0 ORDER BY uid`,
      );
      for (const [a, b] of normalizeRanges(ranges)) rows.push(...sel.all(folderId, a, b));
      if (!rows.length) return [];
      this.#dropMessages(rows);
      const modseq = f.highestmodseq + 1;
      for (const r of rows) this.#journal(folderId, modseq, 'expunge', r.uid);
      this.#q('UPDATE folders SET highestmodseq = ? WHERE id = ?').run(modseq, folderId);
      return rows.map((r) => r.uid);
    });
  }

  #dropMessages(rows: ReadonlyArray<{ id: number; body_id: number }>): void {
    const del = this.#q('DELETE FROM messages WHERE id = ?');
    const unref = this.#q<{ refs: number }>('UPDATE bodies SET refs = refs - 1 WHERE id = ? RETURNING refs');
    const delBody = this.#q('DELETE FROM bodies WHERE id = ?');
    const delFts = this.#q('DELETE FROM body_fts WHERE rowid = ?');
    const delChunks = this.#q('DELETE FROM body_chunks WHERE id BETWEEN ? AND ?');
    for (const r of rows) {
      del.run(r.id);
      if ((unref.get(r.body_id)?.refs ?? 0) <= 0) {
        delFts.run(r.body_id);
        delBody.run(r.body_id);
        delChunks.run(r.body_id * CHUNK_SLOTS, r.body_id * CHUNK_SLOTS + CHUNK_SLOTS - 1);
      }
    }
  }

  /** UIDs matching an IMAP SEARCH, ascending. */
  search(folderId: number, query: SearchQuery): number[] {
    const c = buildSearch(query);
    const needsBody = c.sql.includes('b.summary');
    const sql = `SELECT m.uid FROM messages m ${needsBody ? 'JOIN bodies b ON b.id = m.body_id' : ''}
                  WHERE m.folder_id = ? AND (${c.sql}) ORDER BY m.uid`;
    // Not cached: the SQL text varies with the query shape.
    return this.#db
      .prepare(sql)
      .raw(true)
      .all(folderId, ...c.params)
      .map((r) => (r as [number])[0]);
  }

  // ---------------------------------------------------------------- journal, quota

  #journal(folderId: number, modseq: number, kind: Change['kind'], uid: number): void {
    this.#q('INSERT INTO changes (folder_id, modseq, kind, uid, at) VALUES (?, ?, ?, ?, ?)').run(
      folderId,
      modseq,
      kind,
      uid,
      this.#now(),
    );
  }

  /** Highest journal id: remember it, then ask changesSince(it) when notified. */
  lastChangeId(): number {
    return this.#q<{ v: number | null }>('SELECT max(id) AS v FROM changes').get()?.v ?? 0;
  }

  changesSince(afterId: number, folderId?: number): Change[] {
    const rows =
      folderId === undefined
        ? this.#q<{ id: number; folder_id: number; modseq: number; kind: Change['kind']; uid: number }>(
            'SELECT id, folder_id, modseq, kind, uid FROM changes WHERE id > ? ORDER BY id',
          ).all(afterId)
        : this.#q<{ id: number; folder_id: number; modseq: number; kind: Change['kind']; uid: number }>(
            'SELECT id, folder_id, modseq, kind, uid FROM changes WHERE id > ? AND folder_id = ? ORDER BY id',
          ).all(afterId, folderId);
    return rows.map((r) => ({ id: r.id, folderId: r.folder_id, modseq: r.modseq, kind: r.kind, uid: r.uid }));
  }

  pruneChanges(olderThanMs: number): number {
    return this.#q('DELETE FROM changes WHERE at < ?').run(this.#now() - olderThanMs).changes;
  }

  /** Quota usage (RFC 9208 STORAGE counts each message, copies included). */
  usage(): { bytes: number; messages: number } {
    return this.#q<{ bytes: number; messages: number }>(
      'SELECT coalesce(sum(size), 0) AS bytes, count(*) AS messages FROM messages',
    ).get()!;
  }
}
