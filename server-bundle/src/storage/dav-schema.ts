// Calendars and address books inside the mailbox's encrypted file (mailbox schema v2): what the DAV
// role serves. Collections hold objects (one iCalendar or vCard text each); every write and delete
// adds a row to dav_changes, whose ids are the sync tokens (RFC 6578) and the collection's ctag.
import type { Db } from './sqlite-adapter.ts';

export const DEFAULT_CALENDAR = { name: 'default', displayName: 'Calendar', components: 'VEVENT,VTODO' };
export const DEFAULT_ADDRESS_BOOK = { name: 'default', displayName: 'Contacts' };

export function migrateDavTables(db: Db): void {
  db.exec(`
    CREATE TABLE dav_collections (
      id            INTEGER PRIMARY KEY,
      kind          TEXT NOT NULL CHECK (kind IN ('calendar', 'addressbook')),
      name          TEXT NOT NULL,                 -- the URL segment
      display_name  TEXT NOT NULL DEFAULT '',
      description   TEXT NOT NULL DEFAULT '',
      color         TEXT NOT NULL DEFAULT '',
      components    TEXT NOT NULL DEFAULT '',      -- calendars: 'VEVENT,VTODO'
      sync_token    INTEGER NOT NULL DEFAULT 0,    -- id of its last dav_changes row (ctag)
      created_at    INTEGER NOT NULL,
      UNIQUE (kind, name)
    );
    CREATE TABLE dav_objects (
      id            INTEGER PRIMARY KEY,
      collection_id INTEGER NOT NULL REFERENCES dav_collections(id) ON DELETE CASCADE,
      href          TEXT NOT NULL,                 -- resource name inside the collection
      uid           TEXT NOT NULL,
      etag          TEXT NOT NULL,
      component     TEXT NOT NULL,                 -- VEVENT, VTODO, VJOURNAL, VCARD
      start_at      INTEGER,                       -- ms; NULL = unbounded
      end_at        INTEGER,                       -- end of the last occurrence, ms; NULL = unbounded
      recurring     INTEGER NOT NULL DEFAULT 0,
      modified_at   INTEGER NOT NULL,
      data          TEXT NOT NULL,
      UNIQUE (collection_id, href)
    );
    CREATE INDEX dav_objects_uid ON dav_objects (collection_id, uid);
    -- Latest change per resource; AUTOINCREMENT keeps ids (the tokens) strictly increasing.
    CREATE TABLE dav_changes (
      id            INTEGER PRIMARY KEY AUTOINCREMENT,
      collection_id INTEGER NOT NULL REFERENCES dav_collections(id) ON DELETE CASCADE,
      href          TEXT NOT NULL,
      deleted       INTEGER NOT NULL,
      UNIQUE (collection_id, href)
    );
  `);
  const now = Date.now();
  const insert = db.prepare(
    'INSERT INTO dav_collections (kind, name, display_name, components, created_at) VALUES (?, ?, ?, ?, ?)',
  );
  insert.run(
    'calendar',
    DEFAULT_CALENDAR.name,
    DEFAULT_CALENDAR.displayName,
    DEFAULT_CALENDAR.components,
    now,
  );
  insert.run('addressbook', DEFAULT_ADDRESS_BOOK.name, DEFAULT_ADDRESS_BOOK.displayName, '', now);
}
