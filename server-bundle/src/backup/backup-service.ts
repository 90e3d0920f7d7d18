// The backup engine of one server: settings and key in the data dir, a restic repository at the
// target, consistent snapshots of the data dir (without any mailbox key), restore, check.
// The CLI (facteur-server backup ...), the control API and the jobs role's schedule all use it.
import type {
  BackupManifest,
  BackupSettings,
  CheckResult,
  MailboxCounts,
  ProgressListener,
  RestoreOptions,
  RestoreResult,
  SnapshotSummary,
} from './backup-types.ts';

export * from './backup-types.ts';
export { BackupError, type BackupErrorCode } from './backup-errors.ts';

export interface BackupServiceOptions {
  dataDir: string;
  /** restic binary; default 'restic' on PATH. */
  resticPath?: string;
  /** Extra environment for restic (e.g. TMPDIR, RESTIC_CACHE_DIR). */
  env?: Record<string, string>;
  /** Server version written into manifests. */
  serverVersion?: string;
  now?: () => Date;
}

export class BackupService {
  readonly opts: BackupServiceOptions;
  constructor(opts: BackupServiceOptions) {
    this.opts = opts;
  }

  /** undefined when backups were never set up on this server. */
  async readSettings(): Promise<BackupSettings | undefined> {
    throw new Error('in progress');
  }

  /**
   * Saves settings (and the key, the first time or when it changes) and initialises the repository
   * at the target, or opens the existing one: BackupError WRONG_KEY when the key does not open it.
   */
  async writeSettings(settings: BackupSettings, key?: string): Promise<{ created: boolean }> {
    void settings;
    void key;
    throw new Error('in progress');
  }

  /** One backup: staging -> restic backup -> check -> retention -> backup-status.json. */
  async run(onProgress?: ProgressListener): Promise<SnapshotSummary> {
    void onProgress;
    throw new Error('in progress');
  }

  /** Snapshots, newest first. */
  async list(): Promise<SnapshotSummary[]> {
    throw new Error('in progress');
  }

  /** The manifest of one snapshot (read from the repository, nothing restored). */
  async contents(snapshotId: string): Promise<BackupManifest> {
    void snapshotId;
    throw new Error('in progress');
  }

  /** Whole data dir or one mailbox; what it replaces is kept under <dataDir>/restore-aside/<time>/. */
  async restore(opts: RestoreOptions): Promise<RestoreResult> {
    void opts;
    throw new Error('in progress');
  }

  async check(opts: { readData?: string } = {}): Promise<CheckResult> {
    void opts;
    throw new Error('in progress');
  }
}

/** Opens one mailbox read-only with K and counts what it holds (restore drills, the desktop's verification). */
export async function verifyMailbox(dataDir: string, address: string, key: Buffer): Promise<MailboxCounts> {
  void dataDir;
  void address;
  void key;
  throw new Error('in progress');
}
