// A consistent picture of the data dir for restic to read, without stopping any role.
// <dataDir>/.backup-staging (same file system) mirrors the data dir:
//   - SQLite databases (*.db and their -wal / -journal) are copied, and a copy counts only when
//     the source's stat (size, mtime, inode) is identical before and after it (retried otherwise):
//     a writer that committed meanwhile would leave a torn copy. -shm files are never kept (SQLite
//     rebuilds them from the WAL).
//   - every other file is only ever replaced by rename (spool, keys, certificates, JSON), so a
//     hard link is a frozen copy at no cost.
// The staging tree is kept between runs: an unchanged database is not copied again (the state
// file records the source stat each copy was taken at), and restic sees unchanged mtimes.
// Copies are written under a temporary name and renamed: a run killed midway leaves whole files.
import {
  copyFile,
  link,
  lstat,
  mkdir,
  readdir,
  readFile,
  rename,
  rm,
  statfs,
  utimes,
  writeFile,
} from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join, relative } from 'node:path';
import { BackupError } from './backup-errors.ts';
import { PAGES_SUFFIX, SPLIT_MIN_BYTES, writePieces } from './database-pages.ts';

export const STAGING_DIR = '.backup-staging';
/** Source stat of each staged database copy (outside the staging tree: not part of snapshots). */
const STATE_FILE = '.backup-staging-state.json';

/** Top-level names of the data dir never backed up. */
export const EXCLUDED_TOP: ReadonlySet<string> = new Set([
  STAGING_DIR,
  STATE_FILE,
  'backup-key',
  'backup.json',
  'backup-status.json',
  'backup-index.json',
  'backup-index.lock',
  'backup.lock',
  'backup-runs',
  'restore-aside',
  '.restic-cache',
  'logs', // appended in place, and not needed to run the server again
  'redis', // sessions and rate-limit counters: rebuilt at start
]);

/** Files never backed up wherever they are. */
function isTransient(name: string): boolean {
  return (
    name.endsWith('-shm') ||
    name.includes('.tmp-') ||
    name.endsWith('.tmp') ||
    name.endsWith('.partial') ||
    name.endsWith('.copy') ||
    name.startsWith('.restore-')
  );
}

const isDatabase = (name: string) => /\.(db|sqlite)(-wal|-journal)?$/.test(name);

interface CopyState {
  /** pieces: set when the database is staged split (database-pages.ts). */
  [rel: string]: { size: number; mtimeNs: string; ino: string; pieces?: string[] };
}

export interface StagingResult {
  dir: string;
  files: number;
  bytes: number;
}

export interface StagingOptions {
  /** Tries per database before giving up (a writer that never pauses). */
  copyAttempts?: number;
  /** Called after each file with bytes staged so far. */
  onFile?: (bytesDone: number) => void;
  /**
   * Free disk the staging copy must always leave on the data directory's file system, so a backup
   * never takes the room incoming mail needs (default 256 MiB).
   */
  reserveBytes?: number;
}

export const DEFAULT_RESERVE_BYTES = 256 * 1024 * 1024;
const mib = (n: number) => `${Math.ceil(n / 1024 / 1024)} MiB`;

/** DISK_FULL, before a byte is written, when copying `bytes` would eat into the reserve. */
async function ensureRoom(dataDir: string, bytes: number, reserve: number): Promise<void> {
  const fs = await statfs(dataDir);
  const free = fs.bavail * fs.bsize;
  if (free - bytes >= reserve) return;
  throw new BackupError(
    'DISK_FULL',
    `The server's disk is too full for the backup's working copy: it needs ${mib(bytes)} and keeps ` +
      `${mib(reserve)} free for incoming mail, but only ${mib(free)} are free. Free some space or give ` +
      'the server a larger disk; nothing was changed.',
  );
}

const sameStat = (a: Stats & { mtimeNs?: bigint }, b: typeof a) =>
  a.size === b.size && a.ino === b.ino && a.mtimeNs === b.mtimeNs;

async function bigStat(path: string) {
  return (await lstat(path, { bigint: true })) as unknown as Stats & { mtimeNs: bigint; ino: number };
}

export async function stageDataDir(dataDir: string, opts: StagingOptions = {}): Promise<StagingResult> {
  const staging = join(dataDir, STAGING_DIR);
  await mkdir(staging, { recursive: true, mode: 0o700 });
  const statePath = join(dataDir, STATE_FILE);
  let previous: CopyState = {};
  try {
    previous = JSON.parse(await readFile(statePath, 'utf8')) as CopyState;
  } catch {
    // first run, or a run killed before writing it: every database is copied again
  }
  const state: CopyState = {};
  const seen = new Set<string>();
  const result: StagingResult = { dir: staging, files: 0, bytes: 0 };
  const attempts = opts.copyAttempts ?? 20;
  const reserve = opts.reserveBytes ?? DEFAULT_RESERVE_BYTES;

  const walk = async (srcDir: string, dstDir: string, top: boolean): Promise<void> => {
    for (const entry of await readdir(srcDir, { withFileTypes: true })) {
      const name = entry.name;
      if ((top && EXCLUDED_TOP.has(name)) || isTransient(name)) continue;
      const src = join(srcDir, name);
      const dst = join(dstDir, name);
      const rel = relative(dataDir, src);
      if (entry.isDirectory()) {
        seen.add(rel);
        await mkdir(dst, { recursive: true, mode: 0o700 });
        await walk(src, dst, false);
        continue;
      }
      if (!entry.isFile()) continue; // sockets, fifos, links: nothing the server needs back
      let st;
      try {
        st = await bigStat(src);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // removed meanwhile
        throw err;
      }
      seen.add(rel);
      if (isDatabase(name)) {
        const prev = previous[rel];
        const paged = /\.(db|sqlite)$/.test(name) && Number(st.size) >= SPLIT_MIN_BYTES;
        const staged = paged ? `${dst}${PAGES_SUFFIX}` : dst;
        const unchanged =
          prev &&
          prev.size === Number(st.size) &&
          prev.mtimeNs === String(st.mtimeNs) &&
          prev.ino === String(st.ino) &&
          !!prev.pieces === paged &&
          (await exists(staged));
        if (unchanged) {
          state[rel] = prev;
        } else if (paged) {
          // the copy, then its pieces beside it, until the copy goes
          await ensureRoom(dataDir, 2 * Number(st.size), reserve);
          const copy = `${dst}.copy`;
          const taken = await stableCopy(src, copy, attempts);
          if (!taken) continue; // removed meanwhile
          try {
            taken.pieces = await writePieces(
              copy,
              staged,
              new Date(Number(BigInt(taken.mtimeNs) / 1_000_000n)),
            );
          } finally {
            await rm(copy, { force: true });
          }
          state[rel] = taken;
        } else {
          await ensureRoom(dataDir, Number(st.size), reserve);
          const taken = await stableCopy(src, dst, attempts);
          if (!taken) continue; // removed meanwhile
          state[rel] = taken;
        }
        if (paged) {
          const pagesRel = `${rel}${PAGES_SUFFIX}`;
          seen.add(pagesRel);
          for (const piece of state[rel]!.pieces ?? []) {
            seen.add(join(pagesRel, piece));
            seen.add(join(pagesRel, piece, '..'));
          }
        }
      } else {
        await relink(src, dst, st.ino);
      }
      result.files++;
      result.bytes += Number(st.size);
      opts.onFile?.(result.bytes);
    }
  };
  await walk(dataDir, staging, true);
  await prune(staging, staging, seen);
  await writeFile(statePath, JSON.stringify(state), { mode: 0o600 });
  return result;
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** Hard link (or keep the existing one when it is still the same inode). */
async function relink(src: string, dst: string, ino: number | bigint): Promise<void> {
  try {
    const cur = await lstat(dst, { bigint: true });
    if (cur.ino === BigInt(ino)) return;
  } catch {
    // not staged yet
  }
  const tmp = `${dst}.partial`;
  await rm(tmp, { force: true });
  try {
    await link(src, tmp);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // removed meanwhile
    throw err;
  }
  await rename(tmp, dst);
}

/** Copies until the source did not change during the copy; returns the stat the copy matches. */
async function stableCopy(
  src: string,
  dst: string,
  attempts: number,
): Promise<CopyState[string] | undefined> {
  const tmp = `${dst}.partial`;
  for (let i = 0; i < attempts; i++) {
    let before, after;
    try {
      before = await bigStat(src);
      await copyFile(src, tmp);
      after = await bigStat(src);
    } catch (err) {
      await rm(tmp, { force: true });
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    if (sameStat(before, after)) {
      // restic recognises an unchanged file by size and mtime: keep the source's.
      await utimes(tmp, after.atime, after.mtime);
      await rename(tmp, dst);
      return { size: Number(after.size), mtimeNs: String(after.mtimeNs), ino: String(after.ino) };
    }
    await new Promise((r) => setTimeout(r, 20 * (i + 1)));
  }
  await rm(tmp, { force: true });
  throw new BackupError(
    'BUSY',
    `a database (${src.split('/').slice(-2).join('/')}) kept changing during the copy; the backup will be retried`,
  );
}

/** Removes what the data dir no longer has (and leftovers of a killed run). */
async function prune(dir: string, staging: string, seen: Set<string>): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const rel = relative(staging, path);
    if (!seen.has(rel)) {
      await rm(path, { recursive: true, force: true });
    } else if (entry.isDirectory()) {
      await prune(path, staging, seen);
    }
  }
}
