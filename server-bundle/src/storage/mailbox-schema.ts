// Schema of one mailbox file (encrypted with the mailbox key). Append-only list: never edit a
// shipped migration, add a new one (PRAGMA user_version counts them).
// Indexes are few on purpose: each index touched by an append is one more 4 KB page encrypted
// and fsynced per delivered message; lookups go through rowids and (folder_id, uid).
import type { Db } from './sqlite-adapter.ts';
import type { Migration } from './migrations.ts';
import { migrateDavTables } from './dav-schema.ts';

export const SPECIAL_USE_FOLDERS = [
  { name: 'INBOX', specialUse: null },
  { name: 'Drafts', specialUse: '\\Drafts' },
  { name: 'Sent', specialUse: '\\Sent' },
  { name: 'Junk', specialUse: '\\Junk' },
  { name: 'Trash', specialUse: '\\Trash' },
  { name: 'Archive', specialUse: '\\Archive' },
] as const;

export const MAILBOX_MIGRATIONS: readonly Migration[] = [
  (db: Db) => {
    db.exec(`
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
      CREATE TABLE folders (
        id            INTEGER PRIMARY KEY,
        name          TEXT NOT NULL UNIQUE,          -- full path, '/' separated, 'INBOX' canonical
        special_use   TEXT,                          -- RFC 6154 attribute, e.g. '\\Sent'
        subscribed    INTEGER NOT NULL DEFAULT 1,
        uidvalidity   INTEGER NOT NULL,
        uidnext       INTEGER NOT NULL DEFAULT 1,
        highestmodseq INTEGER NOT NULL DEFAULT 1,
        created_at    INTEGER NOT NULL
      );
      -- Message content, shared by copies (COPY adds a row to messages, not a body).
      CREATE TABLE bodies (
        id      INTEGER PRIMARY KEY,
        size    INTEGER NOT NULL,
        refs    INTEGER NOT NULL,
        summary TEXT NOT NULL                        -- JSON cache (envelope, structure...) for fast FETCH
      );
      -- Raw RFC 5322 bytes in fixed-size pieces: partial FETCH and large messages read only what they need.
      -- rowid = body_id * 4096 + seq: one b-tree and no index to maintain (fewer pages per append).
      CREATE TABLE body_chunks (id INTEGER PRIMARY KEY, data BLOB NOT NULL);
      CREATE TABLE messages (
        id            INTEGER PRIMARY KEY,
        folder_id     INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
        uid           INTEGER NOT NULL,
        modseq        INTEGER NOT NULL,
        flags         TEXT NOT NULL DEFAULT '',      -- space-separated, sorted
        internal_date INTEGER NOT NULL,              -- ms since epoch
        size          INTEGER NOT NULL,
        body_id       INTEGER NOT NULL,              -- bodies.id; counted in bodies.refs (no FK: a
                                                     -- FK would scan messages on every body delete)
        UNIQUE (folder_id, uid)
      );
      -- Change journal: lets another process (IMAP IDLE, POP3) learn what changed since a modseq.
      CREATE TABLE changes (
        id        INTEGER PRIMARY KEY,
        folder_id INTEGER NOT NULL,
        modseq    INTEGER NOT NULL,
        kind      TEXT NOT NULL,                     -- 'exists' | 'flags' | 'expunge'
        uid       INTEGER NOT NULL,
        at        INTEGER NOT NULL
      );
      -- Spool files already moved in: makes draining idempotent across crashes.
      CREATE TABLE spool_receipts (spool_id TEXT PRIMARY KEY, message_id INTEGER NOT NULL, at INTEGER NOT NULL) WITHOUT ROWID;
      -- Full-text index inside the encrypted file; contentless (the text is in body_chunks already).
      -- detail=column keeps no token positions: half the index pages written per append (every
      -- page costs a ChaCha20-Poly1305 pass), at the price of phrase queries (see search-query.ts).
      CREATE VIRTUAL TABLE body_fts USING fts5(
        subject, sender, recipients, headers, body,
        content='', contentless_delete=1, detail=column, tokenize='unicode61 remove_diacritics 2'
      );
    `);
    const now = Date.now();
    const uidvalidity = Math.floor(now / 1000) >>> 0;
    const insert = db.prepare(
      'INSERT INTO folders (name, special_use, uidvalidity, created_at) VALUES (?, ?, ?, ?)',
    );
    for (const f of SPECIAL_USE_FOLDERS) insert.run(f.name, f.specialUse, uidvalidity, now);
    db.prepare("INSERT INTO meta (key, value) VALUES ('created_at', ?)").run(String(now));
  },
  // v2: calendars and address books (CalDAV / CardDAV), see dav-schema.ts.
  migrateDavTables,
];
