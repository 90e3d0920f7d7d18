// The jobs role over a role context: metrics sampling into <dataDir>/metrics.db, the alert
// emails to the owner (src/alerts, loaded with the role), and the backup schedule (backup-job.ts).
import { openMetricsStore } from '../metrics/metrics-store.ts';
import { SystemSampler } from '../metrics/system-sampler.ts';
import type { RoleContext } from '../run/role-context.ts';
import { ROLES } from '../run/server-config.ts';
import { startJobs } from './jobs-role.ts';

export async function startJobsRole(ctx: RoleContext) {
  const { config } = ctx;
  const store = await openMetricsStore(config.dataDir, Object.values(config.metrics.tiers));
  const jobs = await startJobs(
    {
      store,
      outbound: ctx.outbound,
      log: ctx.log,
      system: new SystemSampler(config.dataDir),
      redis: ctx.redis,
      roles: ROLES,
      heartbeatMs: config.heartbeatMs,
      queueSize: async () => (await ctx.outbound.list()).length,
      certificateNotAfter: () => ctx.tls.info.notAfter,
    },
    { intervalMs: config.metrics.intervalMs },
  );
  const alerts = (await import('../alerts/start-alerts.ts')).startAlerts(ctx);
  const backups = (await import('./backup-wiring.ts')).backupsFor(ctx);
  const backupSchedule = (await import('./backup-job.ts')).startBackupSchedule(
    {
      dataDir: config.dataDir,
      readSettings: () => backups.service.readSettings(),
      runner: backups.runner,
      log: ctx.log,
    },
    { checkIntervalMs: config.backup.checkIntervalMs },
  );
  return {
    addresses: jobs.addresses,
    get rounds() {
      return jobs.rounds;
    },
    nextRound: () => jobs.nextRound(),
    /** The backup schedule's checks (tests). */
    backupSchedule,
    async close() {
      await backupSchedule.close();
      await backups.runner.idle(); // a backup going on finishes (restic keeps no stale lock)
      await alerts.close();
      await jobs.close();
    },
  };
}
