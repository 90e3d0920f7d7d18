// backup-index.json: per-snapshot figures restic 0.14 does not keep, and when the repository last
// passed (or failed) a check. Several writers share it — a run in the jobs role, a list in the
// control role, a one-shot CLI container — so every change re-reads the file and applies only its
// own edit, under a short exclusive lock (backup-index.lock): a list that took seconds to compute
// figures never writes back a stale copy over the check time a run just recorded.
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const INDEX_FILE = 'backup-index.json';
const LOCK_FILE = 'backup-index.lock';
/** The lock is held for one read and one write: older than this, its holder died. */
const STALE_MS = 10_000;
const RETRY_MS = 10;

export interface SnapshotFigures {
  sizeBytes: number;
  addedBytes: number;
  files: number;
  mailboxes: number;
}

export interface BackupIndex {
  snapshots: Record<string, SnapshotFigures>;
  lastCheckOkAt?: string;
  lastCheckFailedAt?: string;
}

export async function readIndex(dataDir: string): Promise<BackupIndex> {
  try {
    const i = JSON.parse(await readFile(join(dataDir, INDEX_FILE), 'utf8')) as BackupIndex;
    return { ...i, snapshots: i.snapshots ?? {} };
  } catch {
    return { snapshots: {} };
  }
}

/** Applies `edit` to the index as it is now on disk and writes it back (atomically, 0600). */
export async function updateIndex(dataDir: string, edit: (index: BackupIndex) => void): Promise<BackupIndex> {
  const release = await lockIndex(join(dataDir, LOCK_FILE));
  try {
    const index = await readIndex(dataDir);
    edit(index);
    const path = join(dataDir, INDEX_FILE);
    const tmp = `${path}.tmp-${randomBytes(4).toString('hex')}`;
    await writeFile(tmp, JSON.stringify(index), { mode: 0o600 });
    await rename(tmp, path);
    return index;
  } finally {
    await release();
  }
}

async function lockIndex(path: string): Promise<() => Promise<void>> {
  for (;;) {
    try {
      await (await open(path, 'wx', 0o600)).close();
      return () => rm(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const age = await stat(path).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0, // just released: try again
    );
    if (age > STALE_MS) await rm(path, { force: true });
    else await sleep(RETRY_MS);
  }
}
