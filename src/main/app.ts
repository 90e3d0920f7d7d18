/**
 * The composition root: builds every service from configuration and returns the contract's
 * handlers. Electron, the browser host and the CLI all start here; nothing here imports electron.
 */
import { join } from 'node:path';
import type { Response } from '../shared/contract';
import type { DesktopConfig } from './config';
import type { Handlers } from './ipc/dispatcher';
import { EventBus } from './ipc/events';
import { BackupService } from './services/backup/backup-service';
import { AlertEmails } from './services/status/alert-emails';
import { DeployService } from './services/deploy/deploy-service';
import { DnsService } from './services/dns/dns-service';
import { DockerInstaller } from './services/host/docker-installer';
import { HostAccess } from './services/host/host-access';
import { ControlAccess } from './services/mail/control-access';
import { MailAdminService } from './services/mail/mail-admin-service';
import { MailService } from './services/mail/mail-service';
import { HealthService } from './services/operate/health-service';
import { MetricsService } from './services/operate/metrics-service';
import { PreflightService } from './services/preflight/preflight-service';
import { RecoveryKitService } from './services/recovery-kit/recovery-kit-service';
import { ServerService } from './services/servers/server-service';
import { ServerStore } from './services/servers/server-store';
import { lookupBlocklists } from './services/status/blocklists';
import { HealthMonitor } from './services/status/health-monitor';
import { StatusService } from './services/status/status-service';
import { AutoUpgradeScheduler } from './services/upgrade/auto-upgrade-scheduler';
import { UpgradeService } from './services/upgrade/upgrade-service';
import { UpgradeSettingsStore } from './services/upgrade/upgrade-settings-store';
import { FileKeyProvider } from './services/vault/file-key-provider';
import { Vault, type KeyProvider } from './services/vault/vault';

export type Runtime = Response<'appInfo'>['runtime'];

export interface AppOptions {
  config: DesktopConfig;
  runtime: Runtime;
  version: string;
  /** Electron passes a safeStorage-backed provider; elsewhere an owner-only key file is used. */
  keyProvider?: KeyProvider;
}

export interface App {
  handlers: Handlers;
  events: EventBus;
  /** Desktop alerts: the front-ends start it (Electron, browser host); tests poll it by hand. */
  monitor: HealthMonitor;
  servers: ServerService;
  vault: Vault;
  /** Scheduled auto-upgrades: the front-ends start it with the monitor. */
  autoUpgrades: AutoUpgradeScheduler;
}

export function createApp(options: AppOptions): App {
  const { config } = options;
  const keys = options.keyProvider ?? new FileKeyProvider(join(config.dataDir, 'vault.key'));
  const vault = new Vault(join(config.dataDir, 'vault.json'), keys);
  const serverStore = new ServerStore(join(config.dataDir, 'servers.json'));
  const servers = new ServerService(serverStore, vault, config);
  const preflight = new PreflightService(servers, config);
  /** The control APIs of deployed servers, one pooled SSH connection each. */
  const control = new ControlAccess(servers, vault, config.ssh.commandMs, config.ssh.idleMs);
  const mail = new MailService(servers, vault, control);
  const mailAdmin = new MailAdminService(servers, mail, config);
  const dns = new DnsService(vault, config.dns, (id, domain) => mail.dnsFacts(id, domain));
  const events = new EventBus();
  const hosts = new HostAccess(servers, config);
  const dockerInstaller = new DockerInstaller(hosts);
  const deploy = new DeployService(hosts, vault, config);
  const status = new StatusService(servers, hosts, vault, dns, config);
  const monitor = new HealthMonitor({
    servers,
    vault,
    control,
    blocklists: (ip) => lookupBlocklists(ip, status.blocklistOptions()),
    emit: (alert) => events.emit('alert', alert),
    config: config.status,
  });
  const alertEmails = new AlertEmails(control);
  const metrics = new MetricsService(control, config.operate.metricsPoints);
  const health = new HealthService(servers, vault, control);
  const backups = new BackupService(control, hosts, servers, vault, mail.recoveryKeys, {
    ...config.backup,
    transferTimeoutMs: config.stack.stepTimeoutMs,
    healthTimeoutMs: config.stack.healthTimeoutMs,
    laptopDir: join(config.dataDir, 'backups'),
  });
  const upgrades = new UpgradeService(
    hosts,
    vault,
    config,
    new UpgradeSettingsStore(join(config.dataDir, 'upgrade-settings.json')),
    (serverId, report) => backups.run(serverId, report),
  );
  const autoUpgrades = new AutoUpgradeScheduler({
    settings: () => upgrades.allSettings(),
    versions: (id) => upgrades.versions(id),
    upgrade: (id) => upgrades.upgrade(id),
    onOutcome: (serverId, outcome) =>
      events.emit('log', {
        level: outcome instanceof Error || outcome.outcome === 'rolled-back' ? 'warn' : 'info',
        message:
          outcome instanceof Error
            ? `Scheduled upgrade of ${serverId} failed: ${outcome.message}`
            : `Scheduled upgrade of ${serverId}: ${outcome.outcome} (${outcome.from} -> ${outcome.to})`,
        at: new Date().toISOString(),
      }),
    intervalMs: config.upgrade.schedulerIntervalMs,
  });
  const recoveryKit = new RecoveryKitService(serverStore, vault, {
    backupSettings: (id) => backups.settings(id),
    lookupMs: config.ssh.readyMs + config.ssh.commandMs,
  });
  /** Progress of a long operation, as `progress` events carrying the caller's operation id. */
  const progressOf =
    (operationId: string) =>
    (
      step: string,
      done: number,
      total?: number,
      message?: string,
      bytes?: { done: number; total: number },
    ): void =>
      events.emit('progress', {
        operationId,
        step,
        done,
        total,
        message,
        ...(bytes ? { bytesDone: bytes.done, bytesTotal: bytes.total } : {}),
      });

  const handlers: Handlers = {
    appInfo: async () => ({ name: 'Facteur', version: options.version, runtime: options.runtime }),
    listServers: () => servers.list(),
    scanHostKey: (req) => servers.scanHostKey(req),
    addServer: (req) => servers.add(req),
    checkServer: (req) => servers.check(req.id),
    removeServer: async (req) => ({ removed: await servers.remove(req.id) }),
    runPreflight: (req) => preflight.run(req.id),
    dnsPlan: async (req) => dns.plan(req),
    dnsCheck: (req) => dns.check(req),
    dnsApply: (req) => dns.apply(req),
    dnsSavedProvider: (req) => dns.savedProvider(req.domain),
    serverAccess: (req) => hosts.access(req.id),
    provideSudoPassword: (req) => hosts.provideSudoPassword(req.serverId, req.password),
    installDocker: (req) => dockerInstaller.install(req.serverId, progressOf(req.operationId)),
    deployStack: async (req) => {
      const report = progressOf(req.operationId);
      // "done" waits until the deploy's last step, turning backups on, has run too.
      const result = await deploy.deploy(req, (step, ...rest) => {
        if (step !== 'done') report(step, ...rest);
      });
      await backups.enableAfterDeploy(req.serverId, report);
      report('done', 1, 1);
      return result;
    },
    deploymentInfo: (req) => deploy.info(req.id),
    exportCompose: (req) => deploy.exportCompose(req.id),
    certificateStatus: (req) => mail.certificateStatus(req.id),
    requestCertificate: (req) => mail.requestCertificate(req),
    listMailboxes: (req) => mail.listMailboxes(req.id),
    createMailbox: (req) => mail.createMailbox(req),
    clientSettings: (req) => mail.clientSettings(req),
    runStatusChecks: (req) => status.run(req.serverId),
    alertEmails: (req) => alertEmails.get(req.serverId),
    setAlertEmails: (req) => alertEmails.set(req.serverId, req.to),
    listAlerts: async () => monitor.alerts(),
    listDomains: (req) => mailAdmin.listDomains(req.id),
    addDomain: (req) => mailAdmin.addDomain(req),
    removeDomain: (req) => mailAdmin.removeDomain(req),
    listMailboxDetails: (req) => mailAdmin.listMailboxDetails(req),
    setMailboxQuota: (req) => mailAdmin.setMailboxQuota(req),
    setMailboxState: (req) => mailAdmin.setMailboxState(req),
    deleteMailbox: (req) => mailAdmin.deleteMailbox(req),
    listAliases: (req) => mailAdmin.listAliases(req),
    addAlias: (req) => mailAdmin.addAlias(req),
    updateAlias: (req) => mailAdmin.updateAlias(req),
    removeAlias: (req) => mailAdmin.removeAlias(req),
    resetMailboxPassword: (req) => mailAdmin.resetMailboxPassword(req),
    createAppPassword: (req) => mailAdmin.createAppPassword(req),
    revokeAppPassword: (req) => mailAdmin.revokeAppPassword(req),
    clientSetup: (req) => mailAdmin.clientSetup(req),
    appleProfile: (req) => mailAdmin.appleProfile(req),
    sendTestEmail: (req) => mailAdmin.sendTestEmail(req),
    serverMetrics: (req) => metrics.metrics(req.serverId, req.range),
    serverHealth: (req) => health.health(req.id),
    serversOverview: async () => ({ refreshMs: config.operate.refreshMs, servers: await health.overview() }),
    backupSettings: (req) => backups.settings(req.id),
    setBackupSettings: (req) => backups.setSettings(req),
    listBackups: (req) => backups.list(req.id),
    backupContents: (req) => backups.contents(req.serverId, req.snapshotId),
    runBackup: (req) => backups.run(req.serverId, progressOf(req.operationId)),
    restoreServer: (req) => backups.restoreServer(req, progressOf(req.operationId)),
    restoreMailbox: (req) => backups.restoreMailbox(req, progressOf(req.operationId)),
    verifyRestore: (req) => backups.verifyRestore(req.serverId),
    downloadBackups: (req) => backups.download(req.serverId, progressOf(req.operationId)),
    restoreOntoNewServer: (req) => backups.restoreOntoNewServer(req, progressOf(req.operationId)),
    upgradeVersions: (req) => upgrades.versions(req.id),
    upgradeServer: (req) => upgrades.upgrade(req.serverId, progressOf(req.operationId)),
    upgradeSettings: (req) => upgrades.getSettings(req.id),
    setUpgradeSettings: (req) => upgrades.setSettings(req.serverId, req.settings),
    unattendedUpgrades: (req) => upgrades.unattendedUpgrades(req.id),
    setUnattendedUpgrades: (req) => upgrades.setUnattendedUpgrades(req.serverId, req.enabled),
    exportRecoveryKit: (req) => recoveryKit.export(req.passphrase, req.confirmPassphrase),
    importRecoveryKit: (req) => recoveryKit.import(req.content, req.passphrase),
  };

  return { handlers, events, servers, vault, monitor, autoUpgrades };
}
