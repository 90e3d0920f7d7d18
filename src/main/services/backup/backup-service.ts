/**
 * Backups and restores of a deployed server, from the desktop. The server does the backing up
 * itself (restic, on its schedule, without the app); this service sets it up with a backup key
 * generated here and kept in the vault, lists and runs backups through the control API, restores
 * (whole server or one mailbox, onto the same server or a new one), checks a restore by counts per
 * mailbox, and keeps a copy of the repository on this laptop.
 */
import type { Response } from '../../../shared/contract';
import type {
  BackupSettings,
  RestoreMailboxRequest,
  RestoreOntoNewServerRequest,
  RestoreServerRequest,
  RestoreVerification,
  SetBackupSettingsRequest,
} from '../../../shared/backup';
import { FacteurError } from '../../../shared/errors';
import type { ControlAccess } from '../mail/control-access';
import { openRecoveryWrap, type RecoveryWrap } from '../mail/recovery-key';
import type { RecoveryKeyStore } from '../mail/recovery-key-store';
import type { Vault } from '../vault/vault';
import { BackupApi, type WireSettings, type WireTarget } from './backup-api';
import { ensureBackupKey, readBackupKey } from './backup-key';
import { followRun } from './backup-run';

export type Report = (step: string, done: number, total?: number, message?: string) => void;

/** The on-server repository when backups stay on the server (mounted into the admin container). */
export const LOCAL_REPOSITORY = '/var/lib/facteur-backups/restic';

/** What the desktop alone remembers about a server's backups (not secret). */
interface BackupPrefs {
  keepLaptopCopy: boolean;
}
const prefsKey = (serverId: string): string => `backup-prefs:${serverId}`;

export interface BackupServiceOptions {
  /** How often a running backup's progress is asked for. */
  pollMs: number;
  /** The longest a backup run may take before Facteur stops waiting. */
  runTimeoutMs: number;
}

export class BackupService {
  constructor(
    private readonly control: ControlAccess,
    private readonly vault: Vault,
    private readonly recoveryKeys: RecoveryKeyStore,
    private readonly options: BackupServiceOptions,
  ) {}

  async settings(serverId: string): Promise<BackupSettings> {
    const [saved, key, prefs] = await Promise.all([
      this.control.with(serverId, ({ api }) => new BackupApi(api).settings()),
      readBackupKey(this.vault, serverId),
      this.vault.get<BackupPrefs>(prefsKey(serverId)),
    ]);
    const base = {
      serverId,
      keepLaptopCopy: prefs?.keepLaptopCopy ?? false,
      hasKey: key !== undefined,
    };
    if (!saved)
      return {
        ...base,
        enabled: false,
        target: { kind: 'local', path: LOCAL_REPOSITORY },
        schedule: { dailyAt: '03:30' },
        retention: { daily: 7, weekly: 4, monthly: 6 },
      };
    return {
      ...base,
      enabled: true,
      target: publicTarget(saved.target),
      schedule: saved.schedule,
      retention: saved.retention,
      lastBackupAt: saved.status?.lastSuccessAt,
      nextBackupAt: saved.status?.nextRunAt,
    };
  }

  /**
   * Turns backups on (or changes where and when they go). The first time, a backup key is made and
   * kept in the vault, then given to the server, which initialises the repository with it (or opens
   * the one already there: a key that does not open it is refused in plain words).
   */
  async setSettings(req: SetBackupSettingsRequest): Promise<BackupSettings> {
    const key = await ensureBackupKey(this.vault, req.serverId);
    await this.control.with(req.serverId, async ({ api }) => {
      const backups = new BackupApi(api);
      const saved = await backups.settings();
      const settings: WireSettings = {
        target: wireTarget(req.target, saved?.target),
        schedule: req.schedule,
        retention: req.retention,
        verify: saved?.verify ?? {},
      };
      await backups.saveSettings(settings, key);
    });
    await this.vault.set(prefsKey(req.serverId), {
      keepLaptopCopy: req.keepLaptopCopy,
    } satisfies BackupPrefs);
    return this.settings(req.serverId);
  }

  async list(serverId: string): Promise<Response<'listBackups'>> {
    const got = await this.control.with(serverId, ({ api }) => new BackupApi(api).list());
    const status = got.status ?? {};
    return {
      serverId,
      snapshots: got.snapshots.map((s) => ({
        id: s.id,
        time: s.time,
        size: s.sizeBytes,
        added: s.addedBytes,
        mailboxes: s.mailboxes,
        domains: 0,
        verified: s.verified,
      })),
      status: {
        state: status.state ?? (status.lastRunAt ? (status.error ? 'failed' : 'ok') : 'never'),
        lastRunAt: status.lastRunAt,
        lastSuccessAt: status.lastSuccessAt,
        error: status.error,
      },
    };
  }

  async contents(serverId: string, snapshotId: string): Promise<Response<'backupContents'>> {
    const manifest = await this.control.with(serverId, ({ api }) => new BackupApi(api).contents(snapshotId));
    return {
      snapshotId,
      time: manifest.time,
      mailboxes: manifest.mailboxes.map((m) => ({ address: m.address, size: m.sizeBytes })),
      domains: manifest.domains,
      other: [
        { name: 'configuration database (domains, mailboxes, aliases, settings)', size: 0 },
        { name: 'mail waiting to be delivered or filed (sealed)', size: 0 },
        { name: 'DKIM keys and certificates', size: 0 },
      ],
    };
  }

  /** Runs a backup now on the server, pushing its progress. */
  async run(serverId: string, report: Report): Promise<Response<'runBackup'>> {
    await this.requireKey(serverId);
    const t0 = Date.now();
    const result = await this.control.with(serverId, ({ api }) =>
      followRun(new BackupApi(api), report, this.options),
    );
    return {
      snapshotId: result.id,
      size: result.sizeBytes,
      added: result.addedBytes,
      verified: result.verified,
      seconds: (Date.now() - t0) / 1000,
    };
  }

  /**
   * Counts what each mailbox holds, opened with K from its recovery wrap (the recovery key in the
   * vault): proves a restore brought back readable mail, events and contacts.
   */
  async verifyRestore(serverId: string): Promise<RestoreVerification> {
    const recovery = await this.recoveryKeys.get(serverId);
    if (!recovery)
      throw new FacteurError(
        'NOT_FOUND',
        'This computer holds no recovery key for this server, so it cannot open its mailboxes to count what they hold.',
        { reason: 'noRecoveryKey' },
      );
    return this.control.with(serverId, async ({ api }) => {
      const { mailboxes } = await api.get<{ mailboxes: { address: string }[] }>('/v1/mailboxes');
      const backups = new BackupApi(api);
      const out: RestoreVerification['mailboxes'] = [];
      for (const { address } of mailboxes) {
        const got = await api.get<{ mailboxId: string; wrapId: string; wrap: RecoveryWrap }>(
          `/v1/mailboxes/${encodeURIComponent(address)}/recovery-wrap`,
        );
        const key = openRecoveryWrap(recovery, got.wrap, { mailboxId: got.mailboxId, wrapId: got.wrapId });
        try {
          const counts = await backups.verifyMailbox(address, key.toString('hex'));
          out.push({ address, ...counts });
        } finally {
          key.fill(0);
        }
      }
      return { mailboxes: out };
    });
  }

  async restoreServer(req: RestoreServerRequest, report: Report): Promise<Response<'restoreServer'>> {
    void req;
    void report;
    throw new FacteurError('INTERNAL', 'Restores arrive with the next version of Facteur.');
  }

  async restoreMailbox(req: RestoreMailboxRequest, report: Report): Promise<Response<'restoreMailbox'>> {
    void req;
    void report;
    throw new FacteurError('INTERNAL', 'Restores arrive with the next version of Facteur.');
  }

  async download(serverId: string, report: Report): Promise<Response<'downloadBackups'>> {
    void serverId;
    void report;
    throw new FacteurError('INTERNAL', 'Downloads arrive with the next version of Facteur.');
  }

  async restoreOntoNewServer(
    req: RestoreOntoNewServerRequest,
    report: Report,
  ): Promise<Response<'restoreOntoNewServer'>> {
    void req;
    void report;
    throw new FacteurError('INTERNAL', 'Restores arrive with the next version of Facteur.');
  }

  private async requireKey(serverId: string): Promise<string> {
    const key = await readBackupKey(this.vault, serverId);
    if (!key)
      throw new FacteurError(
        'BACKUPS_OFF',
        'This computer holds no backup key for this server: turn backups on first (or import the recovery kit that holds it).',
        { detail: '' },
      );
    return key;
  }
}

/** A target as shown to the window: never its secrets. */
function publicTarget(target: WireTarget): BackupSettings['target'] {
  switch (target.kind) {
    case 'local':
      return { kind: 'local', path: target.path };
    case 'sftp':
      return { kind: 'sftp', host: target.host, port: target.port, user: target.user, path: target.path };
    case 's3':
      return {
        kind: 's3',
        endpoint: target.endpoint,
        bucket: target.bucket,
        prefix: target.prefix,
        region: target.region,
        accessKeyId: target.accessKeyId,
      };
  }
}

/** The requested target, keeping the saved secrets the window did not send again. */
function wireTarget(target: SetBackupSettingsRequest['target'], saved?: WireTarget): WireTarget {
  switch (target.kind) {
    case 'local':
      return { kind: 'local', path: LOCAL_REPOSITORY };
    case 'sftp': {
      const old = saved?.kind === 'sftp' ? saved : undefined;
      const privateKey = target.privateKey ?? old?.privateKey;
      const knownHosts = target.knownHosts ?? old?.knownHosts;
      if (!privateKey || !knownHosts)
        throw new FacteurError(
          'VALIDATION',
          'An SFTP target needs a private key and the host’s known_hosts line.',
        );
      return { ...target, privateKey, knownHosts };
    }
    case 's3': {
      const old = saved?.kind === 's3' ? saved : undefined;
      const secretAccessKey = target.secretAccessKey ?? old?.secretAccessKey;
      if (!secretAccessKey) throw new FacteurError('VALIDATION', 'An S3 target needs its secret access key.');
      return { ...target, secretAccessKey };
    }
  }
}
