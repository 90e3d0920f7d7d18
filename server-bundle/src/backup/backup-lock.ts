// One backup or restore at a time on a server, whichever container runs it (the admin role's
// schedule, a one-shot `facteur-server backup` container): <dataDir>/backup.lock, created
// exclusively. Stale-safe: the holder refreshes its mtime every heartbeat; a lock whose mtime is
// older than staleMs, or one held by a dead process of this same host, is taken over.
import { hostname } from 'node:os';
import { open, readFile, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { BackupError } from './backup-errors.ts';

export interface LockOptions {
  heartbeatMs?: number;
  staleMs?: number;
}

export interface HeldLock {
  /** true when a stale lock (a killed run) was taken over: its leftovers need cleaning. */
  tookOverStale: boolean;
  release(): Promise<void>;
}

interface LockBody {
  pid: number;
  host: string;
  since: string;
  what: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function acquireBackupLock(
  dataDir: string,
  what: string,
  opts: LockOptions = {},
): Promise<HeldLock> {
  const path = join(dataDir, 'backup.lock');
  const heartbeatMs = opts.heartbeatMs ?? 10_000;
  const staleMs = opts.staleMs ?? 6 * heartbeatMs;
  let tookOverStale = false;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(path, 'wx', 0o600);
      const body: LockBody = { pid: process.pid, host: hostname(), since: new Date().toISOString(), what };
      await fh.writeFile(JSON.stringify(body));
      await fh.close();
      const timer = setInterval(() => {
        const now = new Date();
        utimes(path, now, now).catch(() => undefined);
      }, heartbeatMs);
      timer.unref();
      return {
        tookOverStale,
        release: async () => {
          clearInterval(timer);
          await rm(path, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let holder: LockBody | undefined;
    let age: number;
    try {
      holder = JSON.parse(await readFile(path, 'utf8')) as LockBody;
      age = Date.now() - (await stat(path)).mtimeMs;
    } catch {
      age = Infinity; // unreadable (a holder killed while writing it) or just released
    }
    const deadHere = holder && holder.host === hostname() && holder.pid !== process.pid && !alive(holder.pid);
    if (age > staleMs || deadHere) {
      await rm(path, { force: true });
      tookOverStale = true;
      continue;
    }
    throw new BackupError(
      'BUSY',
      `a ${holder?.what ?? 'backup'} is already running on this server (since ${holder?.since ?? 'just now'})`,
    );
  }
  throw new BackupError('BUSY', 'another backup took the lock at the same time; try again');
}
