// The alerts in the jobs role, wired from its role context (see alerts-engine.ts for the rules and
// server-config.ts `alerts` for the settings). Blocklists are asked at most every
// blocklistIntervalMs; between two checks the last answer stands.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BackupService } from '../backup/backup-service.ts';
import { DkimKeyStore } from '../dkim/dkim-keys.ts';
import { DnsResolver } from '../net/dns-resolver.ts';
import { DkimSigning } from '../outbound/dkim-signing.ts';
import type { RoleContext } from '../run/role-context.ts';
import { ROLES } from '../run/server-config.ts';
import { AlertMailer } from './alert-mailer.ts';
import { observeAll } from './alert-conditions.ts';
import { diskUsagePercent } from './alert-conditions.ts';
import { readAlertRecipients } from './alert-settings.ts';
import { AlertStateStore } from './alert-state.ts';
import { startAlertsLoop, type RunningAlerts } from './alerts-engine.ts';
import { readBackupStatus } from './backup-status.ts';
import { checkBlocklists, serverAddresses, type BlocklistResult } from './blocklist-check.ts';

export function startAlerts(ctx: RoleContext): RunningAlerts {
  const { config, log } = ctx;
  const a = config.alerts;
  const mailer = new AlertMailer({
    core: ctx.core,
    queue: ctx.outbound,
    notifier: ctx.events,
    dkim: new DkimSigning(new DkimKeyStore(join(config.dataDir, 'dkim')), log),
  });
  const resolver = new DnsResolver({
    ...config.dns,
    servers: a.blocklistResolver.length ? a.blocklistResolver : config.dns.servers,
    cacheTtlMs: 0,
  });
  // Checked in the background: a round never waits for DNS (timeouts, slow lists); it reports
  // the last answer, "unknown" until the first one arrives.
  let lastBlocklist: BlocklistResult = { state: 'unknown', reason: 'not checked yet' };
  let checkedAt = -Infinity;
  let checking: Promise<void> | undefined;
  const blocklists = (): Promise<BlocklistResult> => {
    if (!checking && Date.now() - checkedAt >= a.blocklistIntervalMs) {
      checkedAt = Date.now();
      checking = (async () => {
        const addresses = await serverAddresses(resolver, {
          configured: a.blocklistAddresses,
          localAddress: config.outbound.localAddress,
          hostname: config.hostname,
        });
        lastBlocklist = await checkBlocklists(resolver, addresses, a.blocklists);
      })()
        .catch((err: unknown) => log.warn('alerts.blocklist_check_failed', { err }))
        .finally(() => (checking = undefined));
    }
    return Promise.resolve(lastBlocklist);
  };
  const thresholds = {
    diskPercent: a.diskPercent,
    certificateDays: a.certificateDays,
    roleDownAfterMs: a.roleDownAfterMs,
    backupMissedGraceMs: config.backup.missedGraceMs,
  };
  const backups = new BackupService({ dataDir: config.dataDir });
  // Set up when backup.json exists and backups are on; its time is when (the current schedule) began.
  const backupSchedule = async () => {
    const settings = await backups.readSettings();
    if (!settings?.enabled) return undefined;
    const enabledAt = (await stat(join(config.dataDir, 'backup.json'))).mtimeMs;
    return { schedule: settings.schedule, enabledAt };
  };
  const deps = {
    redis: ctx.redis,
    roles: ROLES.filter((r) => r !== 'jobs'),
    heartbeatMs: config.heartbeatMs,
    diskPercent: () => diskUsagePercent(config.dataDir),
    certificate: () => ctx.tls.info,
    ...(a.blocklists.length ? { blocklists } : {}),
    backupStatus: () => readBackupStatus(config.dataDir),
    backupSchedule,
  };
  log.info('alerts.started', { intervalMs: a.intervalMs, blocklists: a.blocklists.length });
  return startAlertsLoop(
    {
      store: new AlertStateStore(ctx.redis),
      observe: (now) => observeAll(deps, thresholds, now),
      recipients: () => readAlertRecipients(ctx.core.config, a.to),
      send: (to, raw) => mailer.send(to, raw),
      hostname: config.hostname,
      from: () => a.from || mailer.defaultFrom(config.hostname),
      log,
    },
    { intervalMs: a.intervalMs },
  );
}
