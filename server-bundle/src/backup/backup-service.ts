// The backup engine of one server: settings and key in the data dir, a restic repository at the
// target, consistent snapshots of the data dir (without any mailbox key), restore, check.
// The CLI (facteur-server backup ...), the control API and the jobs role's schedule all use it.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readBackupStatus, writeBackupStatus, type BackupStatus } from '../alerts/backup-status.ts';
import { mailboxDatabaseKey } from '../crypto/mailbox-keys.ts';
import { ConfigStore } from '../storage/config-store.ts';
import { configDbKeyOf, loadOrCreateServerSecrets } from '../storage/server-secrets.ts';
import { openDatabase, WrongKeyError } from '../storage/sqlite-adapter.ts';
import { acquireBackupLock, type LockOptions } from './backup-lock.ts';
import { BackupError } from './backup-errors.ts';
import { readIndex, updateIndex, type BackupIndex, type SnapshotFigures } from './backup-index.ts';
import { buildManifest, MANIFEST_FILE, parseManifest, writeManifest } from './backup-manifest.ts';
import { parseSettings } from './backup-settings.ts';
import type {
  BackupManifest,
  BackupProgress,
  BackupSettings,
  BackupSettingsInput,
  CheckResult,
  MailboxCounts,
  ProgressListener,
  RestoreOptions,
  RestoreResult,
  SnapshotSummary,
} from './backup-types.ts';
import { joinPagedDatabases, PAGES_SUFFIX } from './database-pages.ts';
import { Restic, type ResticSnapshotJson } from './restic-adapter.ts';
import { EXCLUDED_TOP, stageDataDir } from './snapshot-staging.ts';

export * from './backup-types.ts';
export { BackupError, type BackupErrorCode } from './backup-errors.ts';

export interface BackupServiceOptions {
  dataDir: string;
  /** restic binary; default 'restic' on PATH. */
  resticPath?: string;
  /** Extra environment for restic (e.g. TMPDIR). */
  env?: Record<string, string>;
  /** Server version written into manifests. */
  serverVersion?: string;
  now?: () => Date;
  /** The staging lock's heartbeat and staleness (tests shorten them). */
  lock?: LockOptions;
  /** How long a restic command waits for another's repository lock (default 2 minutes). */
  lockWaitMs?: number;
  /** Called once restic started a backup (tests kill it to simulate a crash). */
  onResticSpawn?: (pid: number) => void;
  /** Free disk the staging copy leaves for incoming mail (snapshot-staging.ts; default 256 MiB). */
  reserveBytes?: number;
}

const SETTINGS_FILE = 'backup.json';
const KEY_FILE = 'backup-key';

const TAG = 'facteur';

export class BackupService {
  readonly opts: BackupServiceOptions;
  readonly #dataDir: string;

  constructor(opts: BackupServiceOptions) {
    this.opts = opts;
    this.#dataDir = opts.dataDir;
  }

  #now(): Date {
    return this.opts.now?.() ?? new Date();
  }

  /** undefined when backups were never set up on this server. */
  async readSettings(): Promise<BackupSettings | undefined> {
    let text;
    try {
      text = await readFile(join(this.#dataDir, SETTINGS_FILE), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    return parseSettings(JSON.parse(text));
  }

  async #readKey(): Promise<string | undefined> {
    try {
      return (await readFile(join(this.#dataDir, KEY_FILE), 'utf8')).trim() || undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /**
   * Saves settings (and the key, the first time or when it changes) and initialises the repository
   * at the target, or opens the existing one: BackupError WRONG_KEY when the key does not open it.
   * Nothing is saved when the repository cannot be opened.
   */
  async writeSettings(settings: BackupSettingsInput, key?: string): Promise<{ created: boolean }> {
    const parsed = parseSettings(settings);
    const useKey = key ?? (await this.#readKey());
    if (!useKey) throw new BackupError('NOT_CONFIGURED', 'a backup key is required to set up backups');
    if (parsed.target.kind === 'local') await mkdir(parsed.target.path, { recursive: true, mode: 0o700 });
    let created = false;
    await this.#withRestic(parsed, useKey, async (restic) => {
      try {
        await restic.openRepository();
      } catch (err) {
        if (!(err instanceof BackupError) || err.code !== 'REPO_MISSING') throw err;
        await restic.init();
        created = true;
      }
    });
    await writePrivate(join(this.#dataDir, KEY_FILE), useKey + '\n');
    await writePrivate(join(this.#dataDir, SETTINGS_FILE), JSON.stringify(parsed, null, 2) + '\n');
    return { created };
  }

  async #configured(): Promise<{ settings: BackupSettings; key: string }> {
    const settings = await this.readSettings();
    const key = await this.#readKey();
    if (!settings || !key) throw new BackupError('NOT_CONFIGURED', 'backups are not set up on this server');
    return { settings, key };
  }

  async #withRestic<T>(settings: BackupSettings, key: string, fn: (r: Restic) => Promise<T>): Promise<T> {
    const restic = await Restic.open({
      target: settings.target,
      key,
      resticPath: this.opts.resticPath,
      cacheDir: join(this.#dataDir, '.restic-cache'),
      env: this.opts.env,
      lockWaitMs: this.opts.lockWaitMs,
    });
    try {
      return await fn(restic);
    } finally {
      await restic.close();
    }
  }

  /** One backup: staging -> restic backup -> check -> retention -> backup-status.json. */
  async run(onProgress?: ProgressListener): Promise<SnapshotSummary> {
    const { settings, key } = await this.#configured();
    const report = (phase: BackupProgress['phase'], percent: number, bytesDone = 0, bytesTotal = 0) =>
      onProgress?.({ phase, percent: Math.min(100, Math.round(percent * 10) / 10), bytesDone, bytesTotal });
    const lock = await acquireBackupLock(this.#dataDir, 'backup', this.opts.lock);
    try {
      return await this.#withRestic(settings, key, async (restic) => {
        if (lock.tookOverStale) await restic.unlockStale().catch(() => undefined);
        const time = this.#now();
        report('staging', 0);
        const staged = await stageDataDir(this.#dataDir, {
          onFile: () => undefined,
          ...(this.opts.reserveBytes !== undefined ? { reserveBytes: this.opts.reserveBytes } : {}),
        });
        const manifest = await buildManifest(this.#dataDir, staged.dir, {
          time,
          serverVersion: this.opts.serverVersion ?? 'unknown',
        });
        await writeManifest(staged.dir, manifest);
        report('uploading', 10, 0, staged.bytes);
        const summary = await restic.backup(
          staged.dir,
          {
            tags: [TAG],
            onStatus: (s) => report('uploading', 10 + s.percent * 0.7, s.bytesDone, s.bytesTotal),
          },
          { onSpawn: (child) => child.pid && this.opts.onResticSpawn?.(child.pid) },
        );
        const id = summary.snapshot_id.slice(0, 8);
        const figures: SnapshotFigures = {
          sizeBytes: summary.total_bytes_processed,
          addedBytes: summary.data_added,
          files: summary.total_files_processed,
          mailboxes: manifest.mailboxes.length,
        };
        await updateIndex(this.#dataDir, (index) => {
          index.snapshots[id] = figures;
        });
        report('checking', 80, staged.bytes, staged.bytes);
        const checked = await this.#checkWith(restic, settings.verify.readDataSubset);
        if (!checked.ok) throw new BackupError('CORRUPT', checked.message ?? 'the repository check failed');
        report('pruning', 90, staged.bytes, staged.bytes);
        await restic.forget(settings.retention);
        const result: SnapshotSummary = {
          id,
          time: time.toISOString(),
          ...figures,
          verified: true,
        };
        await this.#forgetIndexEntries(restic);
        await writeBackupStatus(this.#dataDir, {
          ok: true,
          snapshotId: id,
          sizeBytes: result.sizeBytes,
          addedBytes: result.addedBytes,
        });
        report('done', 100, staged.bytes, staged.bytes);
        return result;
      });
    } catch (err) {
      const message =
        err instanceof BackupError ? err.message : `the backup failed: ${(err as Error).message}`;
      await writeBackupStatus(this.#dataDir, { ok: false, message }).catch(() => undefined);
      throw err;
    } finally {
      await lock.release();
    }
  }

  /** The last outcome (backup-status.json), undefined before the first run. */
  status(): Promise<BackupStatus | undefined> {
    return readBackupStatus(this.#dataDir);
  }

  /** Snapshots, newest first. */
  async list(): Promise<SnapshotSummary[]> {
    const { settings, key } = await this.#configured();
    return this.#withRestic(settings, key, async (restic) => {
      const snaps = await restic.snapshots();
      let index = await readIndex(this.#dataDir);
      const found: Record<string, SnapshotFigures> = {};
      for (const s of snaps) {
        // a repository made by another server (restore onto a new one): ask restic once
        if (!index.snapshots[s.short_id]) found[s.short_id] = await this.#figuresOf(restic, s);
      }
      // only what was found is added, to the index as it is now (a run may have written it meanwhile)
      if (Object.keys(found).length)
        index = await updateIndex(this.#dataDir, (i) => {
          for (const [id, fig] of Object.entries(found)) i.snapshots[id] ??= fig;
        });
      const out: SnapshotSummary[] = snaps.map((s) => ({
        id: s.short_id,
        time: s.time,
        ...(index.snapshots[s.short_id] ?? found[s.short_id]!),
        verified: verifiedAt(index, s.time),
      }));
      return out.sort((a, b) => Date.parse(b.time) - Date.parse(a.time));
    });
  }

  async #figuresOf(restic: Restic, s: ResticSnapshotJson): Promise<SnapshotFigures> {
    const st = await restic.stats(s.short_id);
    let mailboxes = 0;
    try {
      mailboxes = parseManifest(await restic.dump(s.short_id, `/${MANIFEST_FILE}`)).mailboxes.length;
    } catch {
      // a snapshot without a manifest
    }
    return { sizeBytes: st.total_size, addedBytes: 0, files: st.total_file_count, mailboxes };
  }

  /** The manifest of one snapshot (read from the repository, nothing restored). */
  async contents(snapshotId: string): Promise<BackupManifest> {
    checkSnapshotId(snapshotId);
    const { settings, key } = await this.#configured();
    return this.#withRestic(settings, key, async (restic) =>
      parseManifest(await restic.dump(snapshotId, `/${MANIFEST_FILE}`)),
    );
  }

  /**
   * Whole data dir or one mailbox (the roles that open mailboxes must be stopped). Whatever it
   * replaces is moved to <dataDir>/restore-aside/<time>/, never deleted.
   */
  async restore(opts: RestoreOptions): Promise<RestoreResult> {
    checkSnapshotId(opts.snapshotId);
    const { settings, key } = await this.#configured();
    const report = (percent: number) =>
      opts.onProgress?.({
        phase: percent >= 100 ? 'done' : 'restoring',
        percent,
        bytesDone: 0,
        bytesTotal: 0,
      });
    const lock = await acquireBackupLock(this.#dataDir, 'restore', this.opts.lock);
    const stamp = this.#now().toISOString().replace(/[:.]/g, '-');
    const work = join(this.#dataDir, `.restore-${stamp}-${randomBytes(3).toString('hex')}`);
    try {
      return await this.#withRestic(settings, key, async (restic) => {
        if (lock.tookOverStale) await restic.unlockStale().catch(() => undefined);
        report(0);
        const manifest = parseManifest(await restic.dump(opts.snapshotId, `/${MANIFEST_FILE}`));
        const aside = new Aside(join(this.#dataDir, 'restore-aside', stamp));
        let mailboxes: string[];
        if (opts.mailbox) {
          const wanted = opts.mailbox.toLowerCase();
          const m = manifest.mailboxes.find(
            (x) => x.address.toLowerCase() === wanted || x.id === opts.mailbox,
          );
          if (!m) throw new BackupError('NOT_FOUND', 'this snapshot holds no such mailbox');
          const files = [`${m.id}.db`, `${m.id}.db-wal`, `${m.id}.db-journal`];
          await restic.restore(opts.snapshotId, work, [
            ...files.map((f) => `/mailboxes/${f}`),
            `/mailboxes/${m.id}.db${PAGES_SUFFIX}`,
          ]);
          await joinPagedDatabases(work);
          report(60);
          const from = join(work, 'mailboxes');
          const into = join(this.#dataDir, 'mailboxes');
          await mkdir(into, { recursive: true, mode: 0o700 });
          // the live -wal/-shm belong to the replaced file: aside with it
          for (const f of [...files, `${m.id}.db-shm`]) await aside.keep(into, f);
          for (const f of files) await moveIfExists(join(from, f), join(into, f));
          mailboxes = [m.id];
        } else {
          await restic.restore(opts.snapshotId, work);
          await joinPagedDatabases(work);
          report(60);
          for (const name of await readdir(work)) {
            if (name === MANIFEST_FILE || EXCLUDED_TOP.has(name)) continue;
            await aside.keep(this.#dataDir, name);
            if (name.endsWith('.db')) {
              // a WAL left by the replaced database would be replayed into the restored one
              for (const s of ['-wal', '-shm', '-journal']) {
                if (!(await exists(join(work, name + s)))) await aside.keep(this.#dataDir, name + s);
              }
            }
            await rename(join(work, name), join(this.#dataDir, name));
          }
          mailboxes = manifest.mailboxes.map((m) => m.id);
        }
        report(100);
        return {
          snapshotId: opts.snapshotId,
          mailboxes,
          ...(aside.used ? { asideDir: aside.dir } : {}),
        };
      });
    } finally {
      await rm(work, { recursive: true, force: true });
      await lock.release();
    }
  }

  async check(opts: { readData?: string } = {}): Promise<CheckResult> {
    const { settings, key } = await this.#configured();
    return this.#withRestic(settings, key, (restic) => this.#checkWith(restic, opts.readData));
  }

  async #checkWith(restic: Restic, readData?: string): Promise<CheckResult> {
    try {
      await restic.check(readData);
      const at = new Date().toISOString();
      await updateIndex(this.#dataDir, (index) => {
        index.lastCheckOkAt = at;
      });
      return { ok: true };
    } catch (err) {
      if (!(err instanceof BackupError) || !['CORRUPT', 'FAILED'].includes(err.code)) throw err;
      const at = new Date().toISOString();
      await updateIndex(this.#dataDir, (index) => {
        index.lastCheckFailedAt = at;
      });
      const message =
        err.code === 'CORRUPT'
          ? err.message
          : `the backup repository check failed (${err.message}): keep the last good copy and start a new repository at another target`;
      return { ok: false, code: 'CORRUPT', message };
    }
  }

  /** Drops figures of snapshots retention removed. */
  async #forgetIndexEntries(restic: Restic): Promise<void> {
    const live = new Set((await restic.snapshots()).map((s) => s.short_id));
    await updateIndex(this.#dataDir, (index) => {
      for (const id of Object.keys(index.snapshots)) if (!live.has(id)) delete index.snapshots[id];
    });
  }
}

/** A snapshot counts as verified when a check passed after it was taken and none failed since. */
function verifiedAt(index: BackupIndex, time: string): boolean {
  const ok = index.lastCheckOkAt ? Date.parse(index.lastCheckOkAt) : 0;
  const failed = index.lastCheckFailedAt ? Date.parse(index.lastCheckFailedAt) : 0;
  return ok >= Date.parse(time) && ok > failed;
}

function checkSnapshotId(id: string): void {
  if (!/^[0-9a-f]{8,64}$/.test(id)) throw new BackupError('NOT_FOUND', 'no such backup snapshot');
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function moveIfExists(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** Where a restore keeps what it replaces: same file system, so moving is a rename. */
class Aside {
  readonly dir: string;
  used = false;
  constructor(dir: string) {
    this.dir = dir;
  }
  async keep(parent: string, name: string): Promise<void> {
    const from = join(parent, name);
    if (!(await exists(from))) return;
    const to = join(this.dir, relativeName(parent, name));
    await mkdir(join(to, '..'), { recursive: true, mode: 0o700 });
    await rename(from, to);
    this.used = true;
  }
}

/** mailboxes/<f> keeps its folder inside the aside dir; top-level names stay top-level. */
function relativeName(parent: string, name: string): string {
  return parent.endsWith('/mailboxes') ? join('mailboxes', name) : name;
}

async function writePrivate(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${randomBytes(4).toString('hex')}`;
  await writeFile(tmp, text, { mode: 0o600 });
  await rename(tmp, path);
}

/** Opens one mailbox with K (read queries only) and counts what it holds (restore drills, the desktop's verification). */
export async function verifyMailbox(dataDir: string, address: string, key: Buffer): Promise<MailboxCounts> {
  const secrets = await loadOrCreateServerSecrets(join(dataDir, 'secrets.json'));
  const serverKey = configDbKeyOf(secrets);
  let mailboxId: string | undefined;
  try {
    const config = ConfigStore.open(join(dataDir, 'config.db'), serverKey);
    try {
      mailboxId = (config.findMailbox(address) ?? config.getMailbox(address))?.id;
    } finally {
      config.close();
    }
  } finally {
    serverKey.fill(0);
  }
  if (!mailboxId || !/^[A-Za-z0-9_-]{1,64}$/.test(mailboxId))
    throw new BackupError('NOT_FOUND', 'no such mailbox on this server');
  const dbKey = mailboxDatabaseKey(key);
  let db;
  try {
    db = openDatabase(join(dataDir, 'mailboxes', `${mailboxId}.db`), { key: dbKey, mustExist: true });
  } catch (err) {
    if (err instanceof WrongKeyError)
      throw new BackupError('WRONG_KEY', 'this key does not open the mailbox');
    if ((err as { code?: string }).code === 'SQLITE_CANTOPEN')
      return { messages: 0, events: 0, contacts: 0, integrity: 'ok' }; // never opened: empty
    throw err;
  } finally {
    dbKey.fill(0);
  }
  try {
    const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    const hasDav = count(`SELECT count(*) AS n FROM sqlite_master WHERE name = 'dav_objects'`) > 0;
    const rows = db.prepare('PRAGMA integrity_check(1)').all() as Array<{ integrity_check: string }>;
    return {
      messages: count('SELECT count(*) AS n FROM messages'),
      events: hasDav
        ? count(`SELECT count(*) AS n FROM dav_objects WHERE component IN ('VEVENT', 'VTODO', 'VJOURNAL')`)
        : 0,
      contacts: hasDav ? count(`SELECT count(*) AS n FROM dav_objects WHERE component = 'VCARD'`) : 0,
      integrity: rows[0]?.integrity_check ?? 'unknown',
    };
  } finally {
    db.close();
  }
}
