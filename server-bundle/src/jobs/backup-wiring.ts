// The backup engine and the shared runner over a role context: what the control API's backup
// routes and the jobs role's schedule use.
import { BackupService } from '../backup/backup-service.ts';
import type { RoleContext } from '../run/role-context.ts';
import { SERVER_VERSION } from '../version.ts';
import { backupRunnerFor, type BackupRunner } from './backup-runner.ts';

export interface Backups {
  service: BackupService;
  runner: BackupRunner;
  /** The schedule's words and timing (backup section of the config). */
  missedGraceMs: number;
}

export function backupsFor(ctx: Pick<RoleContext, 'config' | 'redis' | 'log'>): Backups {
  const { config } = ctx;
  const service = new BackupService({ dataDir: config.dataDir, serverVersion: SERVER_VERSION });
  const runner = backupRunnerFor({
    dataDir: config.dataDir,
    redis: ctx.redis,
    run: (onProgress) => service.run(onProgress),
    log: ctx.log.child({ component: 'backup' }),
    leaseTtlMs: config.backup.leaseTtlMs,
    keepRunsMs: config.backup.keepRunsMs,
  });
  return { service, runner, missedGraceMs: config.backup.missedGraceMs };
}
