// Shapes shared by the backup engine, its CLI, the control routes and the jobs schedule.
// backup.json holds BackupSettings (0600: it may carry SFTP/S3 credentials); the repository
// password (the "backup key") is kept apart in <dataDir>/backup-key (0600).

export const DEFAULT_LOCAL_REPOSITORY = '/var/lib/facteur-backups/restic';

export type BackupTarget =
  | { kind: 'local'; path: string }
  | {
      kind: 'sftp';
      host: string;
      port: number;
      user: string;
      /** Repository directory on the SFTP server. */
      path: string;
      /** OpenSSH private key (PEM/OpenSSH text). */
      privateKey: string;
      /** known_hosts lines for the host (host key pinned: no trust on first use). */
      knownHosts: string;
    }
  | {
      kind: 's3';
      /** e.g. https://s3.eu-west-1.amazonaws.com or http://127.0.0.1:4569 */
      endpoint: string;
      bucket: string;
      /** Folder inside the bucket; '' for the bucket root. */
      prefix: string;
      region: string;
      accessKeyId: string;
      secretAccessKey: string;
      /** PEM of a private CA for a self-hosted S3 (MinIO, Garage) with its own certificate. */
      caCert?: string;
    };

export type BackupSchedule = { everyMs: number } | { dailyAt: string /* 'HH:MM', server local time */ };

export interface BackupRetention {
  /** The newest N are always kept, whatever their day (two "Back up now" on one day both stay). */
  last: number;
  daily: number;
  weekly: number;
  monthly: number;
}

export interface BackupVerify {
  /**
   * restic's --read-data-subset after each backup ('5%', '1/10', '100M'); empty or absent =
   * structure-only check (indexes and snapshots, no pack contents downloaded).
   */
  readDataSubset?: string;
}

export interface BackupSettings {
  /** false: the schedule makes no backup and none counts as missed; existing ones stay listed and restorable. */
  enabled: boolean;
  target: BackupTarget;
  schedule: BackupSchedule;
  retention: BackupRetention;
  verify: BackupVerify;
}

/** What writeSettings takes: `enabled` and `retention.last` may be left out (on, and the default). */
export type BackupSettingsInput = Omit<BackupSettings, 'enabled' | 'retention'> & {
  enabled?: boolean;
  retention: Omit<BackupRetention, 'last'> & { last?: number };
};

export const DEFAULT_RETENTION: BackupRetention = { last: 3, daily: 7, weekly: 4, monthly: 6 };

export interface SnapshotSummary {
  /** restic's short snapshot id (8 hex characters). */
  id: string;
  /** ISO time the snapshot was taken. */
  time: string;
  /** Total size of the files in the snapshot. */
  sizeBytes: number;
  /** New data this snapshot added to the repository (after deduplication and compression); 0 when unknown. */
  addedBytes: number;
  files: number;
  /** Mailboxes the snapshot holds (from its manifest). */
  mailboxes: number;
  /** true when the repository check that followed this snapshot passed. */
  verified: boolean;
}

export interface ManifestMailbox {
  id: string;
  address: string;
  /** Bytes of the mailbox database (and its WAL) at backup time. */
  sizeBytes: number;
}

/** backup-manifest.json, at the root of every snapshot: what it holds, readable without a restore. */
export interface BackupManifest {
  version: 1;
  /** ISO time the staging tree was taken. */
  time: string;
  serverVersion: string;
  mailboxes: ManifestMailbox[];
  domains: string[];
}

export type BackupPhase = 'staging' | 'uploading' | 'checking' | 'pruning' | 'restoring' | 'done';

export interface BackupProgress {
  phase: BackupPhase;
  /** 0..100 within the whole operation. */
  percent: number;
  bytesDone: number;
  bytesTotal: number;
}

export type ProgressListener = (p: BackupProgress) => void;

export interface RestoreOptions {
  snapshotId: string;
  /** Restore only this mailbox (address or id) — the rest of the data dir is left alone. */
  mailbox?: string;
  onProgress?: ProgressListener;
}

export interface RestoreResult {
  snapshotId: string;
  /** Mailbox ids restored (all of them for a whole restore). */
  mailboxes: string[];
  /** Where the replaced files were kept (<dataDir>/restore-aside/<time>/); absent when nothing was replaced. */
  asideDir?: string;
}

export interface CheckResult {
  ok: boolean;
  /** 'CORRUPT' when ok is false. */
  code?: 'CORRUPT';
  /** Plain-language reason when ok is false. */
  message?: string;
}

export interface MailboxCounts {
  messages: number;
  events: number;
  contacts: number;
  /** SQLite's integrity_check answer: 'ok' or the first problem it reports. */
  integrity: string;
}
