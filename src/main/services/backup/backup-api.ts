/**
 * The server's backup routes of the control API (/v1/backups...), typed. Wire shapes follow the
 * server bundle's backup engine (server-bundle/src/backup/backup-types.ts).
 */
import { FacteurError } from '../../../shared/errors';
import { ControlApiError, type ControlClient } from '../control/control-client';

export type WireTarget =
  | { kind: 'local'; path: string }
  | {
      kind: 'sftp';
      host: string;
      port: number;
      user: string;
      path: string;
      privateKey?: string;
      knownHosts?: string;
    }
  | {
      kind: 's3';
      endpoint: string;
      bucket: string;
      prefix: string;
      region: string;
      accessKeyId: string;
      secretAccessKey?: string;
      caCert?: string;
    };

export interface WireSettings {
  /** Absent from servers made before backups could be turned off: on. */
  enabled?: boolean;
  target: WireTarget;
  schedule: { everyMs: number } | { dailyAt: string };
  retention: { last?: number; daily: number; weekly: number; monthly: number };
  verify?: { readDataSubset?: string };
}

export interface WireSnapshot {
  id: string;
  time: string;
  sizeBytes: number;
  addedBytes: number;
  files: number;
  mailboxes: number;
  verified: boolean;
}

export interface WireStatus {
  state?: 'never' | 'ok' | 'failed' | 'running';
  lastRunAt?: string;
  lastSuccessAt?: string;
  error?: string;
  nextRunAt?: string;
}

export interface WireManifest {
  version: number;
  time: string;
  serverVersion: string;
  mailboxes: { id: string; address: string; sizeBytes: number }[];
  domains: string[];
}

export interface WireProgress {
  phase: string;
  percent: number;
  bytesDone: number;
  bytesTotal: number;
}

export interface WireRun {
  runId: string;
  state: 'running' | 'done' | 'failed';
  progress?: WireProgress;
  result?: WireSnapshot;
  error?: { code: string; message: string };
}

export interface WireCounts {
  messages: number;
  events: number;
  contacts: number;
  integrity: string;
}

const enc = encodeURIComponent;

export class BackupApi {
  constructor(private readonly api: ControlClient) {}

  /** undefined when backups were never set up on the server. */
  async settings(): Promise<(WireSettings & { status?: WireStatus }) | undefined> {
    try {
      const got = await this.api.get<{ settings?: WireSettings | null; status?: WireStatus }>(
        '/v1/backups/settings',
      );
      return got.settings ? { ...got.settings, status: got.status } : undefined;
    } catch (err) {
      if (isStatus(err, 404)) return undefined;
      throw translate(err);
    }
  }

  /** Saves settings; `key` the first time (the server initialises or opens the repository with it). */
  async saveSettings(settings: WireSettings, key?: string): Promise<void> {
    await this.api.put('/v1/backups/settings', { ...settings, ...(key ? { key } : {}) }).catch((err) => {
      throw translate(err);
    });
  }

  async list(): Promise<{ snapshots: WireSnapshot[]; status: WireStatus }> {
    return this.api.get<{ snapshots: WireSnapshot[]; status: WireStatus }>('/v1/backups').catch((err) => {
      throw translate(err);
    });
  }

  async contents(snapshotId: string): Promise<WireManifest> {
    const got = await this.api
      .get<{ manifest?: WireManifest } & Partial<WireManifest>>(`/v1/backups/${enc(snapshotId)}`)
      .catch((err) => {
        throw translate(err);
      });
    return (got.manifest ?? got) as WireManifest;
  }

  async startRun(): Promise<string> {
    const { runId } = await this.api.post<{ runId: string }>('/v1/backups/run', {}).catch((err) => {
      throw translate(err);
    });
    return runId;
  }

  async run(runId: string): Promise<WireRun> {
    return this.api.get<WireRun>(`/v1/backups/runs/${enc(runId)}`).catch((err) => {
      throw translate(err);
    });
  }

  /** Counts what a mailbox holds, opened with its key K (hex) for this one request. */
  async verifyMailbox(address: string, keyHex: string): Promise<WireCounts> {
    return this.api.post<WireCounts>(`/v1/mailboxes/${enc(address)}/verify`, { key: keyHex }).catch((err) => {
      throw translate(err);
    });
  }
}

function isStatus(err: unknown, status: number): boolean {
  return err instanceof ControlApiError && err.status === status;
}

/** The server's backup error codes (server-bundle/src/backup/backup-errors.ts) in the owner's words. */
export function translate(err: unknown): unknown {
  if (!(err instanceof ControlApiError)) return err;
  const params = { detail: err.message, apiCode: err.apiCode };
  switch (err.apiCode) {
    case 'NOT_CONFIGURED':
      return new FacteurError('BACKUPS_OFF', err.message, params);
    case 'WRONG_KEY':
    case 'CORRUPT':
    case 'REPO_MISSING':
      return new FacteurError('BACKUP_INVALID', err.message, params);
    case 'DISK_FULL':
      return new FacteurError('DISK_FULL', err.message, params);
    case 'UNREACHABLE':
      return new FacteurError('UNREACHABLE', err.message, { ...params, host: 'the backup target' });
    default:
      return err;
  }
}
