// Calendars, address books and their objects in one mailbox file (tables from dav-schema.ts).
// The DAV role reaches this through MailboxSession.dav; it parses nothing itself: the caller
// passes each object's index (UID, component, time span) computed by domain/calendar-index.ts.
import { createHash } from 'node:crypto';
import type { Db, Statement } from './sqlite-adapter.ts';

export type CollectionKind = 'calendar' | 'addressbook';

export interface DavCollection {
  id: number;
  kind: CollectionKind;
  name: string;
  displayName: string;
  description: string;
  color: string;
  /** Calendars: the component names it holds, e.g. ['VEVENT', 'VTODO']. */
  components: string[];
  /** Id of its last change: the ctag and the sync token. */
  syncToken: number;
}

export interface DavObject {
  href: string;
  uid: string;
  etag: string;
  component: string;
  start: number | null;
  end: number | null;
  recurring: boolean;
  modifiedAt: number;
  /** Present when asked for (withData). */
  data?: string;
}

/** What the store keeps beside an object's text to answer queries without parsing it again. */
export interface ObjectIndex {
  uid: string;
  component: string;
  /** ms; null = unbounded (or no time at all). */
  start: number | null;
  end: number | null;
  recurring: boolean;
}

export interface PutConditions {
  /** If-Match: the object must exist with this ETag (quoted, as sent). '*' = must exist. */
  ifMatch?: string;
  /** If-None-Match: * — the object must not exist yet. */
  ifNoneMatch?: boolean;
}

export type DavStoreErrorCode = 'EXISTS' | 'NOT_FOUND' | 'PRECONDITION' | 'UID_CONFLICT' | 'INVALID_TOKEN';

export class DavStoreError extends Error {
  override name = 'DavStoreError';
  readonly code: DavStoreErrorCode;
  constructor(code: DavStoreErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export interface ChangeSet {
  token: number;
  changes: Array<{ href: string; deleted: boolean }>;
}

interface CollectionRow {
  id: number;
  kind: CollectionKind;
  name: string;
  display_name: string;
  description: string;
  color: string;
  components: string;
  sync_token: number;
}

interface ObjectRow {
  href: string;
  uid: string;
  etag: string;
  component: string;
  start_at: number | null;
  end_at: number | null;
  recurring: number;
  modified_at: number;
  data?: string;
}

const toCollection = (r: CollectionRow): DavCollection => ({
  id: r.id,
  kind: r.kind,
  name: r.name,
  displayName: r.display_name,
  description: r.description,
  color: r.color,
  components: r.components ? r.components.split(',') : [],
  syncToken: r.sync_token,
});

const toObject = (r: ObjectRow): DavObject => ({
  href: r.href,
  uid: r.uid,
  etag: r.etag,
  component: r.component,
  start: r.start_at,
  end: r.end_at,
  recurring: r.recurring === 1,
  modifiedAt: r.modified_at,
  ...(r.data !== undefined ? { data: r.data } : {}),
});

/** Strong ETag of an object's text (quoted, as sent on the wire). */
export function etagOf(data: string): string {
  return `"${createHash('sha256').update(data).digest('base64url').slice(0, 27)}"`;
}

const META = 'href, uid, etag, component, start_at, end_at, recurring, modified_at';

export class DavStore {
  readonly #db: Db;
  readonly #stmts = new Map<string, Statement>();
  readonly #now: () => number;

  constructor(db: Db, now: () => number = Date.now) {
    this.#db = db;
    this.#now = now;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  #q<R = unknown>(sql: string): Statement<any[], R> {
    let s = this.#stmts.get(sql);
    if (!s) {
      s = this.#db.prepare(sql);
      this.#stmts.set(sql, s);
    }
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return s as Statement<any[], R>;
  }

  // ------------------------------------------------------------ collections

  listCollections(kind: CollectionKind): DavCollection[] {
    return this.#q<CollectionRow>('SELECT * FROM dav_collections WHERE kind = ? ORDER BY id')
      .all(kind)
      .map(toCollection);
  }

  getCollection(kind: CollectionKind, name: string): DavCollection | undefined {
    const r = this.#q<CollectionRow>('SELECT * FROM dav_collections WHERE kind = ? AND name = ?').get(
      kind,
      name,
    );
    return r && toCollection(r);
  }

  createCollection(
    kind: CollectionKind,
    name: string,
    props: { displayName?: string; description?: string; color?: string; components?: string[] } = {},
  ): DavCollection {
    if (this.getCollection(kind, name)) throw new DavStoreError('EXISTS', `${kind} ${name} exists already`);
    const components =
      kind === 'calendar' ? (props.components?.length ? props.components : ['VEVENT', 'VTODO']) : [];
    this.#q(
      `INSERT INTO dav_collections (kind, name, display_name, description, color, components, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      kind,
      name,
      props.displayName ?? '',
      props.description ?? '',
      props.color ?? '',
      components.join(','),
      this.#now(),
    );
    return this.getCollection(kind, name)!;
  }

  updateCollection(id: number, props: { displayName?: string; description?: string; color?: string }): void {
    const cur = this.#q<CollectionRow>('SELECT * FROM dav_collections WHERE id = ?').get(id);
    if (!cur) throw new DavStoreError('NOT_FOUND', 'no such collection');
    this.#q('UPDATE dav_collections SET display_name = ?, description = ?, color = ? WHERE id = ?').run(
      props.displayName ?? cur.display_name,
      props.description ?? cur.description,
      props.color ?? cur.color,
      id,
    );
  }

  /** Removes a collection, its objects and its change log. */
  deleteCollection(id: number): boolean {
    return this.#q('DELETE FROM dav_collections WHERE id = ?').run(id).changes > 0;
  }

  // ---------------------------------------------------------------- objects

  listObjects(collectionId: number, opts: { withData?: boolean } = {}): DavObject[] {
    const cols = opts.withData ? `${META}, data` : META;
    return this.#q<ObjectRow>(`SELECT ${cols} FROM dav_objects WHERE collection_id = ? ORDER BY id`)
      .all(collectionId)
      .map(toObject);
  }

  getObject(collectionId: number, href: string): DavObject | undefined {
    const r = this.#q<ObjectRow>(
      `SELECT ${META}, data FROM dav_objects WHERE collection_id = ? AND href = ?`,
    ).get(collectionId, href);
    return r && toObject(r);
  }

  /** Objects by name, in the order asked; missing ones are left out. */
  getObjects(collectionId: number, hrefs: readonly string[]): DavObject[] {
    const out: DavObject[] = [];
    for (const h of hrefs) {
      const o = this.getObject(collectionId, h);
      if (o) out.push(o);
    }
    return out;
  }

  /**
   * Objects whose stored span meets [start, end) (ms; null = unbounded), with their text.
   * Recurring objects are candidates over their whole recurrence window; the caller checks the
   * occurrences themselves.
   */
  objectsInRange(
    collectionId: number,
    start: number | null,
    end: number | null,
    component?: string,
  ): DavObject[] {
    return this.#q<ObjectRow>(
      `SELECT ${META}, data FROM dav_objects
        WHERE collection_id = @c AND (@k IS NULL OR component = @k)
          AND (@e IS NULL OR start_at IS NULL OR start_at < @e)
          AND (@s IS NULL OR end_at IS NULL OR end_at > @s OR (end_at = start_at AND start_at = @s))
        ORDER BY id`,
    )
      .all({ c: collectionId, s: start, e: end, k: component ?? null })
      .map(toObject);
  }

  /**
   * Creates or replaces an object. If-Match / If-None-Match failures throw PRECONDITION (HTTP 412);
   * another object of the collection with the same UID throws UID_CONFLICT (RFC 4791 no-uid-conflict).
   */
  putObject(
    collectionId: number,
    href: string,
    data: string,
    index: ObjectIndex,
    cond: PutConditions = {},
  ): { etag: string; created: boolean } {
    return this.#db
      .transaction(() => {
        const cur = this.#q<{ etag: string }>(
          'SELECT etag FROM dav_objects WHERE collection_id = ? AND href = ?',
        ).get(collectionId, href);
        if (cond.ifNoneMatch && cur) throw new DavStoreError('PRECONDITION', 'the resource exists already');
        if (cond.ifMatch !== undefined && (!cur || (cond.ifMatch !== '*' && cond.ifMatch !== cur.etag)))
          throw new DavStoreError('PRECONDITION', 'the resource changed since it was read (ETag mismatch)');
        const other = this.#q<{ href: string }>(
          'SELECT href FROM dav_objects WHERE collection_id = ? AND uid = ? AND href != ?',
        ).get(collectionId, index.uid, href);
        if (other)
          throw new DavStoreError('UID_CONFLICT', `another resource (${other.href}) has UID ${index.uid}`);
        const etag = etagOf(data);
        this.#q(
          `INSERT INTO dav_objects (collection_id, href, uid, etag, component, start_at, end_at, recurring, modified_at, data)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (collection_id, href) DO UPDATE SET uid = excluded.uid, etag = excluded.etag,
             component = excluded.component, start_at = excluded.start_at, end_at = excluded.end_at,
             recurring = excluded.recurring, modified_at = excluded.modified_at, data = excluded.data`,
        ).run(
          collectionId,
          href,
          index.uid,
          etag,
          index.component,
          index.start,
          index.end,
          index.recurring ? 1 : 0,
          this.#now(),
          data,
        );
        this.#logChange(collectionId, href, false);
        return { etag, created: !cur };
      })
      .immediate();
  }

  /** Deletes an object (If-Match checked when given); false when it did not exist. */
  deleteObject(collectionId: number, href: string, ifMatch?: string): boolean {
    return this.#db
      .transaction(() => {
        const cur = this.#q<{ etag: string }>(
          'SELECT etag FROM dav_objects WHERE collection_id = ? AND href = ?',
        ).get(collectionId, href);
        if (!cur) return false;
        if (ifMatch !== undefined && ifMatch !== '*' && ifMatch !== cur.etag)
          throw new DavStoreError('PRECONDITION', 'the resource changed since it was read (ETag mismatch)');
        this.#q('DELETE FROM dav_objects WHERE collection_id = ? AND href = ?').run(collectionId, href);
        this.#logChange(collectionId, href, true);
        return true;
      })
      .immediate();
  }

  #logChange(collectionId: number, href: string, deleted: boolean): void {
    // One row per resource, re-inserted on each change: AUTOINCREMENT gives it a larger id than
    // any before, so "changed after token T" is "id > T".
    this.#q('DELETE FROM dav_changes WHERE collection_id = ? AND href = ?').run(collectionId, href);
    const id = this.#q('INSERT INTO dav_changes (collection_id, href, deleted) VALUES (?, ?, ?)').run(
      collectionId,
      href,
      deleted ? 1 : 0,
    ).lastInsertRowid;
    this.#q('UPDATE dav_collections SET sync_token = ? WHERE id = ?').run(Number(id), collectionId);
  }

  // ----------------------------------------------------------------- sync

  /**
   * What changed in a collection after `token` (0 = everything there is; deletions are left out
   * then). A token from the future, or from another mailbox, throws INVALID_TOKEN.
   */
  changesSince(collectionId: number, token: number): ChangeSet {
    const c = this.#q<{ sync_token: number }>('SELECT sync_token FROM dav_collections WHERE id = ?').get(
      collectionId,
    );
    if (!c) throw new DavStoreError('NOT_FOUND', 'no such collection');
    const max =
      this.#q<{ seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'dav_changes'").get()?.seq ?? 0;
    if (!Number.isSafeInteger(token) || token < 0 || token > max)
      throw new DavStoreError('INVALID_TOKEN', 'this sync token is not one this collection gave');
    const rows = this.#q<{ href: string; deleted: number }>(
      'SELECT href, deleted FROM dav_changes WHERE collection_id = ? AND id > ? ORDER BY id',
    ).all(collectionId, token);
    const changes = rows
      .filter((r) => token > 0 || r.deleted === 0)
      .map((r) => ({ href: r.href, deleted: r.deleted === 1 }));
    return { token: c.sync_token, changes };
  }
}
