// The only module that imports better-sqlite3-multiple-ciphers (SQLite3 Multiple Ciphers).
// Databases are encrypted with cipher chacha20 (sqleet: ChaCha20 + Poly1305 per page) under a raw
// 256-bit key, passed as x'..' so SQLite skips its PBKDF2 (the key is already uniformly random):
// opening costs ~1 ms instead of ~26 ms.
import Database from 'better-sqlite3-multiple-ciphers';

export type Db = Database.Database;
// better-sqlite3's own bound: positional parameters or any named-parameter object.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export type Statement<P extends unknown[] | {} = unknown[], R = unknown> = Database.Statement<P, R>;

export class WrongKeyError extends Error {
  override name = 'WrongKeyError';
  constructor(path: string) {
    super(`cannot open ${path}: wrong key or not a Facteur database`);
  }
}

export interface OpenOptions {
  /** 32-byte raw key; null opens an unencrypted database (benchmarks and tests only). */
  key: Buffer | null;
  readonly?: boolean;
  /** Fail instead of creating a missing file. */
  mustExist?: boolean;
  busyTimeoutMs?: number;
}

export function openDatabase(path: string, opts: OpenOptions): Db {
  const db = new Database(path, { readonly: opts.readonly ?? false, fileMustExist: opts.mustExist ?? false });
  try {
    db.pragma(`busy_timeout=${opts.busyTimeoutMs ?? 5000}`);
    if (opts.key) {
      if (opts.key.length !== 32) throw new Error('database key must be 32 bytes');
      db.pragma(`cipher='chacha20'`);
      db.pragma(`key="x'${opts.key.toString('hex')}'"`);
    }
    // The first read checks the key: SQLite3MC answers SQLITE_NOTADB for a wrong one.
    try {
      db.prepare('SELECT count(*) FROM sqlite_master').get();
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_NOTADB') throw new WrongKeyError(path);
      throw err;
    }
    if (!opts.readonly) {
      // WAL lets IMAP, POP3 and the spool drain (separate processes) read while one writes;
      // synchronous=FULL makes every commit durable before we tell a client (or delete a spool file).
      db.pragma('journal_mode=WAL');
      db.pragma('synchronous=FULL');
    }
    db.pragma('foreign_keys=ON');
    // Sorts and FTS merges must never spill to unencrypted temp files.
    db.pragma('temp_store=MEMORY');
    db.pragma('cache_size=-8192');
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

export function sqliteVersion(db: Db): string {
  return (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
}
