import type { BackupSettings } from '../../../../shared/backup';

export { formatBytes, formatWhen } from '../servers/format';

/** Schedules as the form edits them: a time of day, or a number of hours. */
export type ScheduleDraft = { mode: 'daily'; time: string } | { mode: 'every'; hours: string };

const HOUR = 3_600_000;

export function scheduleDraft(schedule: BackupSettings['schedule']): ScheduleDraft {
  return 'dailyAt' in schedule
    ? { mode: 'daily', time: schedule.dailyAt }
    : { mode: 'every', hours: String(Math.max(1, Math.round(schedule.everyMs / HOUR))) };
}

export function scheduleOf(draft: ScheduleDraft): BackupSettings['schedule'] {
  return draft.mode === 'daily'
    ? { dailyAt: draft.time }
    : { everyMs: Math.max(1, Math.round(Number(draft.hours) || 24)) * HOUR };
}
