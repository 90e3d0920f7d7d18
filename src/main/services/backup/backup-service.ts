/**
 * Backups and restores of a deployed server, from the desktop. The server does the backing up
 * itself (restic, on its schedule, without the app); this service sets it up with a backup key
 * generated here and kept in the vault, lists and runs backups through the control API, restores
 * (whole server or one mailbox, onto the same server or a new one), checks a restore by counts per
 * mailbox, and keeps a copy of the repository on this laptop.
 */
import type { Response } from '../../../shared/contract';
import { join } from 'node:path';
import type {
  BackupSettings,
  DownloadBackupsResult,
  RestoreMailboxRequest,
  RestoreOntoNewServerRequest,
  RestoreOntoNewServerResult,
  RestoreResult,
  RestoreServerRequest,
  RestoreVerification,
  SetBackupSettingsRequest,
} from '../../../shared/backup';
import { FacteurError } from '../../../shared/errors';
import { requireDeployment, writeDeployment } from '../deploy/deployment-record';
import type { HostAccess } from '../host/host-access';
import type { ControlAccess } from '../mail/control-access';
import { openRecoveryWrap, type RecoveryWrap } from '../mail/recovery-key';
import type { RecoveryKeyStore } from '../mail/recovery-key-store';
import type { ServerService } from '../servers/server-service';
import { DEFAULT_BACKUP_DIR, FACTEUR_UID, serviceOf, stackSpec } from '../stack/stack-spec';
import type { Vault } from '../vault/vault';
import { BackupApi, type WireSettings, type WireTarget } from './backup-api';
import { ensureBackupKey, readBackupKey, writeBackupKey } from './backup-key';
import { addressesOf, dnsChanges as computeDnsChanges } from './dns-changes';
import { downloadRepository, mirrorInfo, uploadRepository } from './repository-mirror';
import { runRestore } from './restore-runner';
import { issueControlToken } from '../stack/stack-ops';
import { followRun } from './backup-run';

export type Report = (
  step: string,
  done: number,
  total?: number,
  message?: string,
  /** The bytes behind a step counted in percent (a backup's upload). */
  bytes?: { done: number; total: number },
) => void;

const DEFAULT_RETENTION = { last: 3, daily: 7, weekly: 4, monthly: 6 };

/** The on-server repository when backups stay on the server (mounted into the admin container). */
export const LOCAL_REPOSITORY = '/var/lib/facteur-backups/restic';

/** What the desktop alone remembers about a server's backups (not secret). */
interface BackupPrefs {
  keepLaptopCopy: boolean;
}
const prefsKey = (serverId: string): string => `backup-prefs:${serverId}`;
/** The target with its secrets: a restore onto a new server must reach it when the old one is gone. */
const targetKey = (serverId: string): string => `backup-target:${serverId}`;

export interface BackupServiceOptions {
  /** How often a running backup's (or restore's) progress is asked for. */
  pollMs: number;
  /** The longest a backup run may take before Facteur stops waiting. */
  runTimeoutMs: number;
  restoreTimeoutMs: number;
  /** Each file copied to or from this laptop. */
  transferTimeoutMs: number;
  /** Role containers must be healthy again within this after a restore. */
  healthTimeoutMs: number;
  /** What a deploy turns on ('' = nothing). */
  dailyAt: string;
  /** Where the copies on this laptop live (<userData>/backups). */
  laptopDir: string;
}

export class BackupService {
  constructor(
    private readonly control: ControlAccess,
    private readonly hosts: Pick<HostAccess, 'session'>,
    private readonly servers: Pick<ServerService, 'get'>,
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
        configured: false,
        target: { kind: 'local', path: LOCAL_REPOSITORY },
        schedule: { dailyAt: '03:30' },
        retention: DEFAULT_RETENTION,
      };
    return {
      ...base,
      enabled: saved.enabled !== false,
      configured: true,
      target: publicTarget(saved.target),
      schedule: saved.schedule,
      retention: { ...saved.retention, last: saved.retention.last ?? DEFAULT_RETENTION.last },
      lastBackupAt: saved.status?.lastSuccessAt,
      ...(saved.enabled !== false ? { nextBackupAt: saved.status?.nextRunAt } : {}),
    };
  }

  /**
   * Turns backups on or off (or changes where and when they go). The first time, a backup key is made and
   * kept in the vault, then given to the server, which initialises the repository with it (or opens
   * the one already there: a key that does not open it is refused in plain words).
   */
  async setSettings(req: SetBackupSettingsRequest): Promise<BackupSettings> {
    const key = await ensureBackupKey(this.vault, req.serverId);
    await this.control.with(req.serverId, async ({ api }) => {
      const backups = new BackupApi(api);
      const saved = await backups.settings();
      const settings: WireSettings = {
        enabled: req.enabled,
        target: wireTarget(req.target, await this.vault.get<WireTarget>(targetKey(req.serverId))),
        schedule: req.schedule,
        retention: req.retention,
        verify: saved?.verify ?? {},
      };
      await backups.saveSettings(settings, key);
      await this.vault.set(targetKey(req.serverId), settings.target);
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
      ...(await mirrorInfo(this.laptopDir(serverId)).then((laptopCopy) =>
        laptopCopy ? { laptopCopy } : {},
      )),
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

  /** Backups on this server, daily, with a new key: what a deploy leaves (kept when already set). */
  async enableAfterDeploy(serverId: string, report: Report): Promise<void> {
    if (!this.options.dailyAt) return;
    report('backups', 0, 1);
    try {
      const saved = await this.control.with(serverId, ({ api }) => new BackupApi(api).settings());
      if (!saved)
        await this.setSettings({
          serverId,
          target: { kind: 'local' },
          enabled: true,
          schedule: { dailyAt: this.options.dailyAt },
          retention: DEFAULT_RETENTION,
          keepLaptopCopy: false,
        });
      report('backups', 1, 1, saved ? 'already on' : `daily at ${this.options.dailyAt}, on the server`);
    } catch (err) {
      // The mail server runs; backups can be turned on from the Backups page.
      report('backups', 0, 1, `Backups are not on yet: ${(err as Error).message}`);
    }
  }

  /** Restores a whole server from one of its snapshots (from its target, or the copy on this laptop). */
  async restoreServer(req: RestoreServerRequest, report: Report): Promise<RestoreResult> {
    const key = await this.requireKey(req.serverId);
    const t0 = Date.now();
    if (req.from === 'laptop') await this.useLaptopCopy(req.serverId, req.serverId, key, report);
    const kept = await this.restoreOn(req.serverId, req.snapshotId, undefined, report);
    return { snapshotId: req.snapshotId, ...kept, seconds: (Date.now() - t0) / 1000 };
  }

  /** Restores one mailbox; the rest of the server keeps running (only the mail container stops). */
  async restoreMailbox(req: RestoreMailboxRequest, report: Report): Promise<RestoreResult> {
    await this.requireKey(req.serverId);
    const t0 = Date.now();
    const kept = await this.restoreOn(req.serverId, req.snapshotId, req.mailbox, report);
    return { snapshotId: req.snapshotId, ...kept, seconds: (Date.now() - t0) / 1000 };
  }

  /**
   * Disaster recovery: a snapshot of one server restored onto another (freshly deployed) one. The
   * new server is given the old one's backup key and target (or the laptop's copy), restores, gets
   * a fresh control token, and this laptop's keys for the old server are copied to the new one.
   */
  async restoreOntoNewServer(
    req: RestoreOntoNewServerRequest,
    report: Report,
  ): Promise<RestoreOntoNewServerResult> {
    const key = await this.requireKey(req.fromServerId);
    const t0 = Date.now();
    const fromRecord = await requireDeployment(this.vault, req.fromServerId);
    if (req.from === 'laptop') await this.useLaptopCopy(req.fromServerId, req.toServerId, key, report);
    else {
      const target = await this.vault.get<WireTarget>(targetKey(req.fromServerId));
      if (!target || target.kind === 'local')
        throw new FacteurError(
          'BACKUPS_OFF',
          'The old server kept its backups on itself: restore from the copy on this computer instead.',
          { detail: '' },
        );
      await this.giveRepository(req.toServerId, target, key);
    }
    const kept = await this.restoreOn(req.toServerId, req.snapshotId, undefined, report);
    await writeBackupKey(this.vault, req.toServerId, key);
    const recovery = await this.vault.get<unknown>(`recovery-key:${req.fromServerId}`);
    if (recovery !== undefined) await this.vault.set(`recovery-key:${req.toServerId}`, recovery);
    const [from, to] = await Promise.all([
      this.servers.get(req.fromServerId),
      this.servers.get(req.toServerId),
    ]);
    const toRecord = await requireDeployment(this.vault, req.toServerId);
    const dnsChanges = computeDnsChanges(
      { hostname: toRecord.hostname || fromRecord.hostname, domain: fromRecord.domain },
      await addressesOf(from.host),
      await addressesOf(to.host),
    );
    return { snapshotId: req.snapshotId, ...kept, seconds: (Date.now() - t0) / 1000, dnsChanges };
  }

  /** Mirrors the server's on-server repository to this laptop (only what is missing; pruned files go). */
  async download(serverId: string, report: Report): Promise<DownloadBackupsResult> {
    await this.requireKey(serverId);
    const target = await this.vault.get<WireTarget>(targetKey(serverId));
    const repoDir = target?.kind === 'local' ? target.path : LOCAL_REPOSITORY;
    const session = await this.hosts.session(serverId);
    try {
      const path = this.laptopDir(serverId);
      const result = await downloadRepository(session.root, repoDir, path, {
        timeoutMs: this.options.transferTimeoutMs,
        onProgress: (done, total, message) => report('download', done, total, message),
      });
      return { path, ...result };
    } finally {
      session.close();
    }
  }

  laptopDir(serverId: string): string {
    return join(this.options.laptopDir, serverId.replace(/[^A-Za-z0-9_-]/g, '_'));
  }

  /** Uploads the laptop copy of `fromServerId`'s repository to `toServerId` and points its backups there. */
  private async useLaptopCopy(
    fromServerId: string,
    toServerId: string,
    key: string,
    report: Report,
  ): Promise<void> {
    const repoDir = `${DEFAULT_BACKUP_DIR}/from-laptop-${fromServerId.replace(/[^A-Za-z0-9_-]/g, '_')}`;
    const session = await this.hosts.session(toServerId);
    try {
      await uploadRepository(session.root, this.laptopDir(fromServerId), repoDir, {
        uid: FACTEUR_UID,
        timeoutMs: this.options.transferTimeoutMs,
        onProgress: (done, total, message) => report('upload', done, total, message),
      });
    } finally {
      session.close();
    }
    await this.giveRepository(toServerId, { kind: 'local', path: repoDir }, key);
  }

  /** Points a server's backups at a repository, with its key (refused when the key does not open it). */
  private async giveRepository(serverId: string, target: WireTarget, key: string): Promise<void> {
    await this.control.with(serverId, async ({ api }) => {
      const backups = new BackupApi(api);
      const saved = await backups.settings();
      await backups.saveSettings(
        {
          enabled: saved?.enabled ?? true,
          target,
          schedule: saved?.schedule ?? { dailyAt: this.options.dailyAt || '03:30' },
          retention: saved?.retention ?? DEFAULT_RETENTION,
          verify: saved?.verify ?? {},
        },
        key,
      );
    });
    await this.vault.set(targetKey(serverId), target);
  }

  /** The one-shot restore, roles stopped; after a whole-server restore a fresh control token. */
  private async restoreOn(
    serverId: string,
    snapshotId: string,
    mailbox: string | undefined,
    report: Report,
  ): Promise<{ keptAside?: string }> {
    const record = await requireDeployment(this.vault, serverId);
    const target = await this.vault.get<WireTarget>(targetKey(serverId));
    const spec = stackSpec({ image: record.imageId });
    const session = await this.hosts.session(serverId);
    try {
      const kept = await runRestore(session.docker, spec, {
        args: ['--snapshot', snapshotId, ...(mailbox ? ['--mailbox', mailbox] : [])],
        stop: mailbox ? [serviceOf(spec, 'imap')] : [...spec.services].reverse(),
        network: !target || target.kind === 'local' ? 'none' : 'host',
        timeoutMs: this.options.restoreTimeoutMs,
        pollMs: this.options.pollMs,
        healthTimeoutMs: this.options.healthTimeoutMs,
        report,
      });
      if (!mailbox) {
        // The restored data holds the old control tokens: a new one, as a deploy issues.
        const token = await issueControlToken(session.docker, spec, this.options.healthTimeoutMs);
        this.control.closeAll();
        await writeDeployment(this.vault, serverId, { ...record, controlToken: token });
      }
      return kept;
    } finally {
      session.close();
    }
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

/**
 * The requested target with the secrets the window did not send again taken from `saved` (this
 * laptop's copy); the server keeps its own saved ones the same way.
 */
function wireTarget(target: SetBackupSettingsRequest['target'], saved?: WireTarget): WireTarget {
  switch (target.kind) {
    case 'local':
      return { kind: 'local', path: LOCAL_REPOSITORY };
    case 'sftp': {
      const old = saved?.kind === 'sftp' ? saved : undefined;
      return {
        ...target,
        privateKey: target.privateKey ?? old?.privateKey,
        knownHosts: target.knownHosts ?? old?.knownHosts,
      };
    }
    case 's3': {
      const old = saved?.kind === 's3' ? saved : undefined;
      return {
        ...target,
        secretAccessKey: target.secretAccessKey ?? old?.secretAccessKey,
        caCert: target.caCert ?? old?.caCert,
      };
    }
  }
}
