// Schema versioning shared by every database: PRAGMA user_version holds the number of applied
// migrations; each migration runs in its own transaction, so a crash leaves a consistent version.
import type { Db } from './sqlite-adapter.ts';

export type Migration = string | ((db: Db) => void);

export class SchemaTooNewError extends Error {
  override name = 'SchemaTooNewError';
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

export function migrate(db: Db, migrations: readonly Migration[]): number {
  const current = schemaVersion(db);
  if (current > migrations.length) {
    throw new SchemaTooNewError(
      `database schema v${current} is newer than this build (v${migrations.length})`,
    );
  }
  for (let v = current; v < migrations.length; v++) {
    const m = migrations[v]!;
    db.transaction(() => {
      if (typeof m === 'string') db.exec(m);
      else m(db);
      db.pragma(`user_version=${v + 1}`);
    }).immediate();
  }
  return migrations.length;
}
