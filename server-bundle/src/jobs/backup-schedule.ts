// When a scheduled backup is due, and when one counts as missed. Pure functions of the schedule
// (backup.json: { everyMs } or { dailyAt: 'HH:MM' } in the server's local time), the times of the
// last attempt and last success (backup-status.json) and "now", so they are tested with any clock.
import type { BackupSchedule } from '../backup/backup-types.ts';

const DAY_MS = 86_400_000;

/** 'HH:MM' -> [hours, minutes]; undefined when malformed. */
export function parseDailyAt(hhmm: string): [number, number] | undefined {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** The latest daily slot at or before `now`, in local time (DST shifts follow the wall clock). */
export function lastDailySlot(hhmm: string, now: number): number {
  const hm = parseDailyAt(hhmm);
  if (!hm) throw new Error(`dailyAt must be HH:MM, 00:00 to 23:59`);
  const d = new Date(now);
  d.setHours(hm[0], hm[1], 0, 0);
  if (d.getTime() > now) d.setDate(d.getDate() - 1);
  return d.getTime();
}

/** The first slot strictly after `t`. */
function nextDailySlot(hhmm: string, t: number): number {
  const last = new Date(lastDailySlot(hhmm, t));
  last.setDate(last.getDate() + 1);
  return last.getTime();
}

/**
 * When the next backup should start. Never attempted: now. everyMs: one interval after the last
 * attempt's end. dailyAt: the first slot after the last attempt — a slot already past (the server
 * was off, the jobs role down) is due at once, so a missed backup runs at start.
 */
export function nextDueAt(schedule: BackupSchedule, lastAttempt: number | undefined, now: number): number {
  if (lastAttempt === undefined) return now;
  if ('everyMs' in schedule) return lastAttempt + schedule.everyMs;
  return nextDailySlot(schedule.dailyAt, lastAttempt);
}

export function isDue(schedule: BackupSchedule, lastAttempt: number | undefined, now: number): boolean {
  return nextDueAt(schedule, lastAttempt, now) <= now;
}

/**
 * Since when a backup is missed, or undefined when none is: the schedule owed a good run at some
 * time D (one interval after `since`, or a daily slot after it), D + grace has passed, and no
 * success came after `since`. `since` = the last success, else when backups were enabled.
 */
export function missedSince(
  schedule: BackupSchedule,
  since: number,
  now: number,
  graceMs: number,
): number | undefined {
  const owed = 'everyMs' in schedule ? since + schedule.everyMs : nextDailySlot(schedule.dailyAt, since);
  return owed + graceMs <= now ? owed : undefined;
}

/** How long the schedule lets pass between two good runs (for words in emails and the API). */
export function scheduleIntervalMs(schedule: BackupSchedule): number {
  return 'everyMs' in schedule ? schedule.everyMs : DAY_MS;
}

/** Plain words for the schedule: "every 6 hours", "every day at 03:00". */
export function describeSchedule(schedule: BackupSchedule): string {
  if ('dailyAt' in schedule) return `every day at ${schedule.dailyAt}`;
  const ms = schedule.everyMs;
  const [n, unit] =
    ms % DAY_MS === 0
      ? [ms / DAY_MS, 'day']
      : ms % 3_600_000 === 0
        ? [ms / 3_600_000, 'hour']
        : ms % 60_000 === 0
          ? [ms / 60_000, 'minute']
          : [Math.round(ms / 1000), 'second'];
  return n === 1 ? `every ${unit}` : `every ${n} ${unit}s`;
}
