// The "backup failed" hook: whatever runs backups (the backup issue: the desktop app over SSH, or
// a job on the server) records the outcome of each run in <dataDir>/backup-status.json:
//
//   { "ok": false, "at": "2026-05-01T03:00:00Z", "message": "the storage bucket refused the upload" }
//
// `ok` true after a successful run, false after a failed one; `at` when the run ended; `message`
// (optional) what went wrong, in plain words — it is quoted in the alert email (one line, at
// most 500 characters kept). The jobs role reads the file every alerts round: no file means
// "unknown" (no alert), ok false is an alert (one email), ok true again is one "backups work
// again" email. Write it atomically (temp file + rename), as writeBackupStatus does.
// writeBackupStatus also keeps `lastSuccessAt` (the end of the last good run, carried over a failed
// one): the "backup missed" condition and the jobs role's schedule measure from it.
import { randomBytes } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface BackupStatus {
  ok: boolean;
  /** ISO time the run ended. */
  at: string;
  message?: string;
  /** ISO end time of the last successful run (this one when ok). */
  lastSuccessAt?: string;
  /** The backup engine's figures of a good run (src/backup/). */
  snapshotId?: string;
  sizeBytes?: number;
  addedBytes?: number;
}

type RunFigures = Pick<BackupStatus, 'snapshotId' | 'sizeBytes' | 'addedBytes'>;

export const backupStatusPath = (dataDir: string) => join(dataDir, 'backup-status.json');

export async function writeBackupStatus(
  dataDir: string,
  s: { ok: boolean; at?: Date; message?: string } & RunFigures,
): Promise<void> {
  const path = backupStatusPath(dataDir);
  const tmp = `${path}.tmp-${randomBytes(4).toString('hex')}`;
  const at = (s.at ?? new Date()).toISOString();
  const lastSuccessAt = s.ok ? at : (await readBackupStatus(dataDir))?.lastSuccessAt;
  const body: BackupStatus = {
    ok: s.ok,
    at,
    ...(s.message ? { message: s.message } : {}),
    ...(lastSuccessAt ? { lastSuccessAt } : {}),
    ...(s.snapshotId ? { snapshotId: s.snapshotId } : {}),
    ...(s.sizeBytes != null ? { sizeBytes: s.sizeBytes } : {}),
    ...(s.addedBytes != null ? { addedBytes: s.addedBytes } : {}),
  };
  await writeFile(tmp, JSON.stringify(body) + '\n', { mode: 0o600 });
  await rename(tmp, path);
}

/** undefined when no backup ever reported (or the file is unreadable). */
export async function readBackupStatus(dataDir: string): Promise<BackupStatus | undefined> {
  try {
    const s = JSON.parse(await readFile(backupStatusPath(dataDir), 'utf8')) as Partial<BackupStatus>;
    if (typeof s.ok !== 'boolean' || typeof s.at !== 'string' || Number.isNaN(Date.parse(s.at)))
      return undefined;
    // Quoted in an email: one line, no control characters, bounded.
    const message =
      typeof s.message === 'string'
        ? s.message
            .replace(/[\x00-\x1f\x7f]+/g, ' ')
            .trim()
            .slice(0, 500)
        : '';
    const lastSuccessAt =
      typeof s.lastSuccessAt === 'string' && !Number.isNaN(Date.parse(s.lastSuccessAt))
        ? s.lastSuccessAt
        : s.ok
          ? s.at
          : undefined;
    return {
      ok: s.ok,
      at: s.at,
      ...(message ? { message } : {}),
      ...(lastSuccessAt ? { lastSuccessAt } : {}),
      ...(typeof s.snapshotId === 'string' ? { snapshotId: s.snapshotId } : {}),
      ...(typeof s.sizeBytes === 'number' ? { sizeBytes: s.sizeBytes } : {}),
      ...(typeof s.addedBytes === 'number' ? { addedBytes: s.addedBytes } : {}),
    };
  } catch {
    return undefined;
  }
}
