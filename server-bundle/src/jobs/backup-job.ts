// The backup schedule in the jobs role: every backup.checkIntervalMs it reads the settings
// (backup.json) and the last outcome (backup-status.json) and starts a backup through the shared
// runner when one is due (backup-schedule.ts). The first check runs at start, so a slot missed
// while the server or the role was down is caught up at once. A run already going on (started
// from the control API, or a slow previous one) is left alone; the runner never overlaps two.
import { readBackupStatus } from '../alerts/backup-status.ts';
import type { BackupSettings } from '../backup/backup-types.ts';
import type { Logger } from '../log/logger.ts';
import type { BackupRunner, BackupRunView } from './backup-runner.ts';
import { isDue } from './backup-schedule.ts';
import { startRounds, type PeriodicRounds } from './periodic-rounds.ts';

export interface BackupScheduleDeps {
  dataDir: string;
  readSettings(): Promise<BackupSettings | undefined>;
  runner: BackupRunner;
  log: Logger;
  now?: () => number;
}

/** What one check did: off (no settings, or turned off), waiting, busy (a run is going on), or started runId. */
export type ScheduleCheck =
  | { action: 'off' | 'waiting' | 'busy' | 'error' }
  | { action: 'started'; runId: string; done: Promise<BackupRunView> };

export async function checkBackupSchedule(deps: BackupScheduleDeps): Promise<ScheduleCheck> {
  const now = (deps.now ?? Date.now)();
  let settings: BackupSettings | undefined;
  try {
    settings = await deps.readSettings();
  } catch (err) {
    deps.log.warn('backup.schedule_settings_unreadable', { err });
    return { action: 'error' };
  }
  if (!settings?.enabled) return { action: 'off' };
  const status = await readBackupStatus(deps.dataDir);
  if (!isDue(settings.schedule, status ? Date.parse(status.at) : undefined, now))
    return { action: 'waiting' };
  try {
    const { runId, done } = await deps.runner.start('schedule');
    return { action: 'started', runId, done };
  } catch (err) {
    if ((err as { code?: string }).code === 'BUSY') return { action: 'busy' };
    deps.log.warn('backup.schedule_start_failed', { err });
    return { action: 'error' };
  }
}

export function startBackupSchedule(
  deps: BackupScheduleDeps,
  opts: { checkIntervalMs: number },
): PeriodicRounds<ScheduleCheck> {
  deps.log.info('backup.schedule_started', { checkIntervalMs: opts.checkIntervalMs });
  return startRounds(() => checkBackupSchedule(deps), opts.checkIntervalMs);
}
