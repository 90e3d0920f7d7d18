// Runs backups for the control API (POST /v1/backups/run) and the jobs role's schedule, one at a
// time. The control and jobs roles share one process in the server image (one runner per data
// directory, backupRunnerFor) but may run apart (per-role layout, the dev stack): a Redis lease
// (`backup:lease`, renewed while the run lasts, gone within its TTL after a crash) keeps two
// processes from running at once, and each run's progress is kept in Redis (`backup:run:<id>`)
// so either role can report it.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { readBackupStatus, writeBackupStatus } from '../alerts/backup-status.ts';
import { BackupError } from '../backup/backup-errors.ts';
import type { BackupProgress, SnapshotSummary } from '../backup/backup-types.ts';
import type { Logger } from '../log/logger.ts';
import type { RedisConnection } from '../storage/redis-adapter.ts';
import { acquireLease, releaseLease, renewLease } from '../storage/redis-lease.ts';

export type RunTrigger = 'manual' | 'schedule';

export interface BackupRunView {
  id: string;
  trigger: RunTrigger;
  status: 'running' | 'done' | 'failed';
  phase: BackupProgress['phase'] | 'starting';
  percent: number;
  bytesDone: number;
  bytesTotal: number;
  startedAt: string;
  finishedAt: string | null;
  /** The snapshot a good run made. */
  snapshot: SnapshotSummary | null;
  /** Plain words; the code is BackupError's (UNREACHABLE, WRONG_KEY, DISK_FULL, ...) or INTERRUPTED. */
  error: { code: string; message: string } | null;
}

export interface BackupRunnerDeps {
  dataDir: string;
  redis: RedisConnection;
  /** One backup (BackupService.run). */
  run(onProgress: (p: BackupProgress) => void): Promise<SnapshotSummary>;
  log: Logger;
  /** The lease lasts this long without renewal (how long a crashed run blocks the next). */
  leaseTtlMs: number;
  /** Finished runs stay readable this long. */
  keepRunsMs: number;
}

const LEASE_KEY = 'backup:lease';
const runKey = (id: string) => `backup:run:${id}`;
/** Progress is written at most this often (phase changes and the end always). */
const PROGRESS_WRITE_MS = 200;

export class BackupRunner {
  readonly #d: BackupRunnerDeps;
  readonly #holder = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  readonly #running = new Map<string, Promise<BackupRunView>>();

  constructor(deps: BackupRunnerDeps) {
    if (!(deps.leaseTtlMs >= 1_000)) throw new Error('backup.leaseTtlMs must be at least 1000');
    this.#d = deps;
  }

  /** Starts a run in the background; BackupError BUSY when one runs here or in another process. */
  async start(trigger: RunTrigger): Promise<{ runId: string; done: Promise<BackupRunView> }> {
    const { redis, leaseTtlMs } = this.#d;
    if (this.#running.size) throw busy();
    const id = `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
    const lease = `${id} ${this.#holder}`;
    if (!(await acquireLease(redis, LEASE_KEY, lease, leaseTtlMs))) throw busy();
    const view: BackupRunView = {
      id,
      trigger,
      status: 'running',
      phase: 'starting',
      percent: 0,
      bytesDone: 0,
      bytesTotal: 0,
      startedAt: new Date().toISOString(),
      finishedAt: null,
      snapshot: null,
      error: null,
    };
    await this.#save(view);
    const renew = setInterval(
      () => {
        renewLease(redis, LEASE_KEY, lease, leaseTtlMs).catch((err: unknown) => {
          this.#d.log.warn('backup.lease_renew_failed', { runId: id, err });
        });
      },
      Math.floor(leaseTtlMs / 3),
    );
    const done = this.#execute(view).finally(async () => {
      clearInterval(renew);
      await releaseLease(redis, LEASE_KEY, lease).catch(() => undefined);
      this.#running.delete(id);
    });
    this.#running.set(id, done);
    this.#d.log.info('backup.run_started', { runId: id, trigger });
    return { runId: id, done };
  }

  async get(runId: string): Promise<BackupRunView | undefined> {
    if (!/^[a-z0-9]{1,12}-[0-9a-f]{12}$/.test(runId)) return undefined;
    const raw = await this.#d.redis.get(runKey(runId));
    if (!raw) return undefined;
    const view = JSON.parse(raw) as BackupRunView;
    // "running" without its lease: the process running it died (its end is saved before the lease goes).
    if (view.status === 'running' && (await this.#d.redis.get(LEASE_KEY))?.split(' ')[0] !== runId)
      return {
        ...view,
        status: 'failed',
        error: {
          code: 'INTERRUPTED',
          message: 'The backup was interrupted (the server or its jobs role stopped) before it finished.',
        },
      };
    return view;
  }

  /** The run going on now (here or in another process), if any. */
  async current(): Promise<BackupRunView | undefined> {
    const lease = await this.#d.redis.get(LEASE_KEY);
    return lease ? this.get(lease.split(' ')[0]!) : undefined;
  }

  /** Waits for this process's runs (close). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.#running.values()]);
  }

  async #execute(view: BackupRunView): Promise<BackupRunView> {
    const started = Date.now();
    let lastWrite = 0;
    let writing: Promise<void> = Promise.resolve();
    const save = () => {
      const snapshot = { ...view };
      writing = writing.then(() => this.#save(snapshot)).catch(() => undefined);
    };
    try {
      view.snapshot = await this.#d.run((p) => {
        const phaseChanged = p.phase !== view.phase;
        Object.assign(view, {
          phase: p.phase,
          percent: p.percent,
          bytesDone: p.bytesDone,
          bytesTotal: p.bytesTotal,
        });
        if (phaseChanged || Date.now() - lastWrite >= PROGRESS_WRITE_MS) {
          lastWrite = Date.now();
          save();
        }
      });
      Object.assign(view, { status: 'done', phase: 'done', percent: 100 });
      this.#d.log.info('backup.run_done', { runId: view.id, ms: Date.now() - started });
    } catch (err) {
      const e =
        err instanceof BackupError
          ? { code: err.code, message: err.message }
          : { code: 'FAILED', message: 'the backup failed unexpectedly (see the jobs log)' };
      Object.assign(view, { status: 'failed', error: e });
      this.#d.log.warn('backup.run_failed', { runId: view.id, code: e.code, err });
      await this.#recordFailure(started, e.message);
    }
    view.finishedAt = new Date().toISOString();
    await writing;
    await this.#save(view).catch((err: unknown) =>
      this.#d.log.warn('backup.run_state_lost', { runId: view.id, err }),
    );
    return view;
  }

  /** The engine records its outcome; one that failed before it could is recorded here (the alert). */
  async #recordFailure(started: number, message: string): Promise<void> {
    const s = await readBackupStatus(this.#d.dataDir);
    if (s && Date.parse(s.at) >= started) return;
    await writeBackupStatus(this.#d.dataDir, { ok: false, message }).catch((err: unknown) =>
      this.#d.log.warn('backup.status_write_failed', { err }),
    );
  }

  #save(view: BackupRunView): Promise<void> {
    return this.#d.redis.set(runKey(view.id), JSON.stringify(view), { ttlMs: this.#d.keepRunsMs });
  }
}

function busy(): BackupError {
  return new BackupError('BUSY', 'A backup is already running on this server; wait for it to finish.');
}

const runners = new WeakMap<RedisConnection, Map<string, BackupRunner>>();

/**
 * One runner per role context (its Redis connection) and data directory: the control and jobs
 * roles of one process share it.
 */
export function backupRunnerFor(deps: BackupRunnerDeps): BackupRunner {
  let byDir = runners.get(deps.redis);
  if (!byDir) runners.set(deps.redis, (byDir = new Map()));
  let r = byDir.get(deps.dataDir);
  if (!r) byDir.set(deps.dataDir, (r = new BackupRunner(deps)));
  return r;
}
