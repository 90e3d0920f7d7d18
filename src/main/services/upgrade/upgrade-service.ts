/**
 * Upgrades a deployed server to the image this copy of Facteur bundles (or the configured
 * registry's), and rolls back by itself when the new version does not become healthy.
 *
 * One upgrade: a backup first (skipped with a note only when backups are not set up) -> the image
 * (only the layers the server lacks, or a `docker pull` from the registry) -> a copy of the
 * configuration (config database + facteur.json) -> `init` of the new image, which runs the config
 * database's migrations (each mailbox's own schema migrates when a session next opens it: only
 * sessions hold mailbox keys) -> the containers replaced one at a time behind their health checks
 * (rolling-replace.ts). Any failure after the copy: the new containers stop, the copy goes back,
 * the previous containers start again. Mail is safe throughout: the MX writes sealed spool files
 * and answers 250 only once they are on disk, and nothing here touches the spool or the queue;
 * while the MX is swapped, senders get a refused connection or a 4xx and try again, as SMTP does.
 */
import type { Response } from '../../../shared/contract';
import { FacteurError } from '../../../shared/errors';
import type { UpgradeResult, UpgradeSettings, UpgradeVersions } from '../../../shared/upgrade';
import type { DesktopConfig } from '../../config';
import { readDeployment, requireDeployment, writeDeployment } from '../deploy/deployment-record';
import type { HostAccess, HostSession } from '../host/host-access';
import { containerPlan } from '../stack/container-options';
import { readImageArchive, type ImageArchive } from '../stack/image-archive';
import { ImageUploader, type ImageTransferResult } from '../stack/image-upload';
import { StackDeployer } from '../stack/stack-deployer';
import { CONFIG_FILE, DEFAULT_DATA_DIR, containerName, stackSpec } from '../stack/stack-spec';
import type { Vault } from '../vault/vault';
import { changesBetween, readBundledChangelog } from './changelog';
import { restoreConfigCopy, takeConfigCopy } from './config-copy';
import { RollingReplace, type ReplaceProgress } from './rolling-replace';
import { setUnattendedUpgrades, unattendedUpgradesState } from './unattended-upgrades';
import type { UpgradeSettingsStore } from './upgrade-settings-store';
import { VERSION_LABEL, compareVersions } from './versions';

export type Report = (step: string, done: number, total?: number, message?: string) => void;

/** Runs a backup of the server now (the backup service); throws BACKUPS_OFF when none is set up. */
export type RunBackup = (serverId: string, report: Report) => Promise<unknown>;

interface Target {
  /** The bundled archive, or its manifest pointed at the registry's image. */
  archive: ImageArchive;
  version: string;
  source: 'bundled' | 'registry';
}

export class UpgradeService {
  constructor(
    private readonly hosts: HostAccess,
    private readonly vault: Vault,
    private readonly config: DesktopConfig,
    private readonly settings: UpgradeSettingsStore,
    private readonly runBackup?: RunBackup,
  ) {}

  private bundled(): Promise<ImageArchive> {
    return readImageArchive(this.config.deploy.resourcesDir);
  }

  /** The registry's image when one is configured (pulled now: its label says its version), else the bundled one. */
  private async target(session: HostSession, settings: UpgradeSettings, report?: Report): Promise<Target> {
    const bundled = await this.bundled();
    if (!settings.registry) return { archive: bundled, version: bundled.manifest.version, source: 'bundled' };
    const ref = settings.registry;
    report?.('image', 0, 1, `pulling ${ref}`);
    await session.docker.pullImage(ref, (status) => report?.('image', 0, 1, status));
    const info = await session.docker.imageInfo(ref);
    if (!info)
      throw new FacteurError('NOT_FOUND', `The registry image ${ref} is not on the server after the pull.`);
    const version = info.labels[VERSION_LABEL] ?? 'unknown';
    report?.('image', 1, 1, `pulled ${ref} (${version})`);
    return {
      archive: { ...bundled, manifest: { ...bundled.manifest, image: ref, imageId: info.id, version } },
      version,
      source: 'registry',
    };
  }

  /** The version the server's containers run: the image label of the control role's container. */
  private async runningVersion(session: HostSession, fallback: string): Promise<string> {
    const spec = stackSpec({ image: 'unused' });
    const admin = spec.services.find((s) => s.roles.includes('control'));
    const state = admin ? await session.docker.inspectContainer(containerName(spec, admin)) : undefined;
    if (!state) return fallback;
    const info = await session.docker.imageInfo(state.imageId);
    return info?.labels[VERSION_LABEL] ?? fallback;
  }

  async versions(serverId: string): Promise<UpgradeVersions> {
    const settings = await this.settings.get(serverId);
    const record = await readDeployment(this.vault, serverId);
    const changelog = await readBundledChangelog(this.config.deploy.resourcesDir);
    if (!record && !settings.registry) {
      const version = (await this.bundled()).manifest.version;
      return {
        serverId,
        deployed: false,
        running: null,
        available: version,
        source: 'bundled',
        upgradeAvailable: false,
        changes: changesBetween(changelog, null, version),
      };
    }
    const session = await this.hosts.session(serverId);
    try {
      const target = await this.target(session, settings);
      const running = record ? await this.runningVersion(session, record.version) : null;
      return {
        serverId,
        deployed: !!record,
        running,
        available: target.version,
        source: target.source,
        upgradeAvailable: !!running && compareVersions(target.version, running) > 0,
        changes: changesBetween(changelog, running, target.version),
      };
    } finally {
      session.close();
    }
  }

  /** Servers being upgraded by this app right now (a scheduled and a manual upgrade never overlap). */
  private readonly running = new Set<string>();

  async upgrade(serverId: string, report: Report = () => undefined): Promise<UpgradeResult> {
    if (this.running.has(serverId))
      throw new FacteurError(
        'COMMAND_FAILED',
        'This server is being upgraded already: wait for it to finish.',
      );
    this.running.add(serverId);
    try {
      return await this.upgradeOnce(serverId, report);
    } finally {
      this.running.delete(serverId);
    }
  }

  private async upgradeOnce(serverId: string, report: Report): Promise<UpgradeResult> {
    const t0 = Date.now();
    const record = await requireDeployment(this.vault, serverId);
    const settings = await this.settings.get(serverId);

    let backup: UpgradeResult['backup'] = 'done';
    let note: string | undefined;
    report('backup', 0, 1);
    try {
      if (!this.runBackup) throw new FacteurError('BACKUPS_OFF', 'Backups are not available.');
      await this.runBackup(serverId, (_step, done, total, message) => report('backup', done, total, message));
      report('backup', 1, 1);
    } catch (err) {
      if (!(err instanceof FacteurError && err.code === 'BACKUPS_OFF')) {
        throw new FacteurError(
          'COMMAND_FAILED',
          `The backup before the upgrade failed, so nothing was changed: ${(err as Error).message}`,
        );
      }
      backup = 'skipped';
      note = 'Backups are not set up for this server: the upgrade ran without a backup first.';
      report('backup', 1, 1, note);
    }

    const session = await this.hosts.session(serverId);
    try {
      return await this.upgradeOn(session, serverId, record.version, settings, report, backup, note, t0);
    } finally {
      session.close();
    }
  }

  private async upgradeOn(
    session: HostSession,
    serverId: string,
    recordedVersion: string,
    settings: UpgradeSettings,
    report: Report,
    backup: UpgradeResult['backup'],
    note: string | undefined,
    t0: number,
  ): Promise<UpgradeResult> {
    const { stack, deploy, upgrade } = this.config;
    const { docker, root } = session;
    const from = await this.runningVersion(session, recordedVersion);
    const target = await this.target(session, settings, report);
    const transfer: ImageTransferResult | undefined =
      target.source === 'bundled'
        ? await new ImageUploader(session.conn, root, docker, target.archive, {
            commandTimeoutMs: stack.stepTimeoutMs,
            diskMarginBytes: deploy.diskMarginBytes,
            onProgress: (p) => {
              if (p.step === 'disk') return;
              if (p.state === 'uploading') report('image', p.sentBytes, p.totalBytes);
              else report('image', 1, 1, p.state === 'present' ? 'already on the server' : p.state);
            },
          }).ensure()
        : undefined;
    if (transfer)
      report('image', 1, 1, `${transfer.bytesSent} bytes sent, ${transfer.bytesReused} already there`);

    const serverConfig = await readServerConfig(root, stack.stepTimeoutMs);
    const options = {
      archive: target.archive,
      image: { ensure: () => Promise.reject(new Error('the image is already on the server')) },
      serverConfig,
      commandTimeoutMs: stack.stepTimeoutMs,
    };
    const deployer = new StackDeployer(root, docker, {
      ...options,
      healthTimeoutMs: upgrade.healthTimeoutMs,
    });
    const rollbackDeployer = new StackDeployer(root, docker, {
      ...options,
      healthTimeoutMs: stack.healthTimeoutMs,
    });
    const apiVersion = await docker.apiVersion();
    const plans = deployer.spec.services.map((s) => containerPlan(deployer.spec, s, apiVersion));
    const total = plans.length;
    let healthy = 0;
    const swap = new RollingReplace(
      docker,
      deployer,
      rollbackDeployer,
      target.archive.manifest.imageId,
      (p) =>
        report(
          ...replaceEvent(p, () => (p.kind === 'healthy' || p.kind === 'kept' ? ++healthy : healthy), total),
        ),
    );

    const dataDir = deployer.spec.dataDir;
    report('config-copy', 0, 1);
    await takeConfigCopy(root, dataDir, stack.stepTimeoutMs);
    report('config-copy', 1, 1);

    let replaced: UpgradeResult['replaced'] = [];
    try {
      report('init', 0, 1);
      await deployer.prepareDataDir();
      await deployer.runInit();
      report('init', 1, 1, 'configuration database migrated');
      replaced = await swap.replaceAll(plans);
    } catch (err) {
      const reason = (err as Error).message;
      report('rollback', 0, 1, reason.split('\n')[0]);
      try {
        await swap.rollBack(plans, () => restoreConfigCopy(root, dataDir, stack.stepTimeoutMs));
      } catch (rollbackErr) {
        throw new FacteurError(
          'COMMAND_FAILED',
          `The upgrade to ${target.version} failed (${reason.split('\n')[0]}) and putting ${from} back failed too: ` +
            `${(rollbackErr as Error).message}. The configuration copy is in ${dataDir}.pre-upgrade on the server.`,
        );
      }
      report('rollback', 1, 1, `${from} runs again`);
      report('done', 1, 1);
      return {
        outcome: 'rolled-back',
        from,
        to: target.version,
        message:
          `Version ${target.version} did not start properly, so Facteur put version ${from} back by itself. ` +
          `No mail was lost: messages the server accepted are kept. What went wrong: ${reason.split('\n')[0]}`,
        backup,
        replaced,
        seconds: (Date.now() - t0) / 1000,
      };
    }
    await swap.commit();
    const record = await requireDeployment(this.vault, serverId);
    await writeDeployment(this.vault, serverId, {
      ...record,
      version: target.version,
      imageId: target.archive.manifest.imageId,
    });
    report('done', 1, 1);
    return {
      outcome: replaced.length ? 'upgraded' : 'up-to-date',
      from,
      to: target.version,
      ...(note ? { message: note } : {}),
      backup,
      replaced,
      seconds: (Date.now() - t0) / 1000,
    };
  }

  getSettings(serverId: string): Promise<UpgradeSettings> {
    return this.settings.get(serverId);
  }

  setSettings(serverId: string, settings: UpgradeSettings): Promise<UpgradeSettings> {
    return this.settings.set(serverId, settings);
  }

  allSettings(): Promise<Array<[string, UpgradeSettings]>> {
    return this.settings.entries();
  }

  async unattendedUpgrades(serverId: string): Promise<Response<'unattendedUpgrades'>> {
    return this.withRoot(serverId, (root) => unattendedUpgradesState(root, this.aptOptions()));
  }

  async setUnattendedUpgrades(
    serverId: string,
    enabled: boolean,
  ): Promise<Response<'setUnattendedUpgrades'>> {
    return this.withRoot(serverId, (root) => setUnattendedUpgrades(root, enabled, this.aptOptions()));
  }

  private aptOptions() {
    const { host, stack } = this.config;
    return {
      aptTimeoutMs: host.aptTimeoutMs,
      aptLockWaitS: host.aptLockWaitS,
      commandTimeoutMs: stack.stepTimeoutMs,
    };
  }

  private async withRoot<T>(serverId: string, fn: (root: HostSession['root']) => Promise<T>): Promise<T> {
    const session = await this.hosts.session(serverId);
    try {
      return await fn(session.root);
    } finally {
      session.close();
    }
  }
}

/** The server's facteur.json as it is (an upgrade keeps every setting the owner or a deploy made). */
async function readServerConfig(
  root: HostSession['root'],
  timeoutMs: number,
): Promise<Record<string, unknown>> {
  const res = await root.exec(`cat ${DEFAULT_DATA_DIR}/${CONFIG_FILE}`, { timeoutMs });
  if (res.code !== 0)
    throw new FacteurError(
      'NOT_DEPLOYED',
      `The server has no ${DEFAULT_DATA_DIR}/${CONFIG_FILE}: deploy first.`,
    );
  const { dataDir: _dataDir, ...config } = JSON.parse(res.stdout) as Record<string, unknown>;
  return config;
}

function replaceEvent(
  p: ReplaceProgress,
  count: () => number,
  total: number,
): [string, number, number | undefined, string] {
  switch (p.kind) {
    case 'replacing':
      return ['replace', count(), total, `${p.service}: replacing`];
    case 'kept':
      return ['replace', count(), total, `${p.service}: already up to date`];
    case 'healthy':
      return ['replace', count(), total, `${p.service}: healthy after ${p.seconds.toFixed(1)} s`];
    case 'rollback':
      return ['rollback', 0, undefined, `${p.service}: ${p.state}`];
  }
}
