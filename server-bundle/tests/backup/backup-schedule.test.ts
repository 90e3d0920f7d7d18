// The backup schedule and its alerts through the real jobs role (opened from its role context as
// `facteur-server role jobs` runs it), real restic on a local repository, real Redis, the owner's
// INBOX read over IMAP. Durations from the config so it runs in seconds: backups every 2 s on
// time; a daily slot missed while the role was down, caught up at start (one "did not run" email,
// then one "on schedule again"); a repository gone (one "failed" email over several failed runs,
// one "work again" once it is back). The due-time arithmetic is checked apart with fixed clocks.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBackupStatus, writeBackupStatus } from '../../src/alerts/backup-status.ts';
import type { BackupRunView } from '../../src/jobs/backup-runner.ts';
import {
  isDue,
  lastDailySlot,
  missedSince,
  nextDueAt,
  parseDailyAt,
} from '../../src/jobs/backup-schedule.ts';
import {
  OWNER,
  ownerInbox,
  startJobsWithAlerts,
  waitForInbox,
  type RunningJobsRole,
} from '../alerts/alert-harness.ts';
import { startControlHarness, type ControlHarness } from '../control/control-harness.ts';
import { PASSWORD } from '../protocols/mail-stack.ts';

const local = (d: number, h: number, m = 0) => new Date(2026, 4, d, h, m).getTime(); // May 2026, local time

describe('due times', () => {
  it('daily slots in local time, intervals, and when a backup counts as missed', () => {
    const daily = { dailyAt: '03:30' };
    expect(parseDailyAt('03:30')).toEqual([3, 30]);
    expect(parseDailyAt('24:00')).toBeUndefined();
    expect(parseDailyAt('3:30')).toBeUndefined();
    expect(lastDailySlot('03:30', local(1, 10))).toBe(local(1, 3, 30));
    expect(lastDailySlot('03:30', local(1, 3, 29))).toBe(local(0, 3, 30)); // before today's slot: yesterday's
    // Ran after today's slot: next is tomorrow's. Ran yesterday: today's is due (missed, caught up).
    expect(nextDueAt(daily, local(1, 3, 31), local(1, 10))).toBe(local(2, 3, 30));
    expect(isDue(daily, local(1, 3, 31), local(1, 10))).toBe(false);
    expect(isDue(daily, local(0, 3, 31), local(1, 10))).toBe(true);
    expect(isDue(daily, undefined, local(1, 10))).toBe(true); // never ran
    expect(nextDueAt({ everyMs: 500 }, 1_000, 1_200)).toBe(1_500);
    expect(isDue({ everyMs: 500 }, 1_000, 1_499)).toBe(false);
    expect(isDue({ everyMs: 500 }, 1_000, 1_500)).toBe(true);
    // Last success yesterday 03:40: today's 03:30 was owed; missed once the grace (6 h) is over.
    const grace = 6 * 3_600_000;
    expect(missedSince(daily, local(0, 3, 40), local(1, 9, 29), grace)).toBeUndefined();
    expect(missedSince(daily, local(0, 3, 40), local(1, 9, 30), grace)).toBe(local(1, 3, 30));
    expect(missedSince({ everyMs: 1_000 }, 0, 1_499, 500)).toBeUndefined();
    expect(missedSince({ everyMs: 1_000 }, 0, 1_500, 500)).toBe(1_000);
  });
});

const KEY = randomBytes(32).toString('base64url');
let h: ControlHarness;
let repoDir: string;
let repo: string;
let jobs: RunningJobsRole | undefined;

beforeAll(async () => {
  h = await startControlHarness({ backups: { leaseTtlMs: 3_000 } });
  await h.core.accounts.createMailbox({
    address: OWNER,
    password: PASSWORD,
    recoveryPublicKey: h.owner.publicKey.bytes,
  });
  expect((await h.call('POST', '/v1/domains/example.com/dkim', { body: {} })).status).toBe(201);
  expect((await h.call('PUT', '/v1/alerts/settings', { body: { to: [OWNER] } })).status).toBe(200);
  repoDir = mkdtempSync(join(tmpdir(), 'facteur-repo-'));
  repo = join(repoDir, 'restic');
}, 60_000);

afterAll(async () => {
  await jobs?.stop();
  await h?.stop();
  if (repoDir) rmSync(repoDir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function putSettings(schedule: object, key?: string) {
  const r = await h.call('PUT', '/v1/backups/settings', {
    body: { target: { kind: 'local', path: repo }, schedule, ...(key ? { key } : {}) },
  });
  expect(r.status).toBe(200);
}

/** The next run the schedule starts (other than `after`), followed until it ends. */
async function nextScheduledRun(after?: string, timeoutMs = 60_000): Promise<BackupRunView> {
  const runner = h.backups!.runner;
  const t0 = Date.now();
  let run: BackupRunView | undefined;
  while (!(run = await runner.current()) || run.id === after) {
    if (Date.now() - t0 > timeoutMs) throw new Error('no scheduled backup started');
    await sleep(20);
  }
  expect(run.trigger).toBe('schedule');
  for (; run.status === 'running'; await sleep(50)) run = (await runner.get(run.id))!;
  return run;
}

describe('the schedule in the jobs role', () => {
  it('runs at once when never run, then every interval on time; no email while all is well', async () => {
    await putSettings({ everyMs: 2_000 }, KEY);
    jobs = await startJobsWithAlerts(
      h,
      {},
      { checkIntervalMs: 50, missedGraceMs: 60_000, leaseTtlMs: 3_000 },
    );
    const first = await nextScheduledRun();
    expect(first).toMatchObject({ status: 'done', error: null });
    const second = await nextScheduledRun(first.id);
    expect(second.status).toBe('done');
    const gap = Date.parse(second.startedAt) - Date.parse(first.finishedAt!);
    expect(gap).toBeGreaterThanOrEqual(2_000 - 100); // the interval counts from the end of the last run
    expect(gap).toBeLessThan(2_000 + 1_500);
    // Retention keeps the last 3 whatever their day (then 7 daily, ...): both stay.
    const list = (await h.call('GET', '/v1/backups')).json;
    expect(list.snapshots.map((s: { id: string }) => s.id)).toEqual([
      second.snapshot!.id,
      first.snapshot!.id,
    ]);
    expect(second.snapshot!.id).not.toBe(first.snapshot!.id);
    expect(await ownerInbox(h)).toEqual([]);
  }, 120_000);

  it('a daily slot missed while the jobs role was down: one "did not run" email, caught up at start', async () => {
    await jobs!.stop();
    jobs = undefined;
    // Today's slot passed an hour ago; the last good backup is two days old.
    const hourAgo = new Date(Date.now() - 3_600_000);
    const dailyAt = `${String(hourAgo.getHours()).padStart(2, '0')}:${String(hourAgo.getMinutes()).padStart(2, '0')}`;
    await putSettings({ dailyAt });
    await writeBackupStatus(h.dataDir, { ok: true, at: new Date(Date.now() - 2 * 86_400_000) });
    const started = Date.now();
    jobs = await startJobsWithAlerts(
      h,
      {},
      { checkIntervalMs: 50, missedGraceMs: 20_000, leaseTtlMs: 3_000 },
    );
    const run = await nextScheduledRun();
    expect(Date.parse(run.startedAt) - started).toBeLessThan(5_000); // at start, not at the next slot
    expect(run.status).toBe('done');
    let mail = await waitForInbox(h, 1, 30_000);
    expect(mail[0]!.subject).toBe('[mail.example.com] A scheduled backup did not run');
    expect(mail[0]!.source).toContain(`Backups should run every day at ${dailyAt}`);
    mail = await waitForInbox(h, 2, 30_000);
    expect(mail[1]!.subject).toBe('[mail.example.com] Backups are on schedule again');
    // Nothing more is due today: no run, no email.
    await sleep(1_500);
    expect(await h.backups!.runner.current()).toBeUndefined();
    expect(await ownerInbox(h)).toHaveLength(2);
  }, 120_000);

  it('a repository gone: runs fail, exactly one "failed" email; back: one "work again"', async () => {
    await putSettings({ everyMs: 1_000 });
    const aside = `${repo}.away`;
    renameSync(repo, aside);
    const failed = await nextScheduledRun();
    expect(failed.status).toBe('failed');
    expect(failed.error!.message.length).toBeGreaterThan(10);
    expect((await readBackupStatus(h.dataDir))?.ok).toBe(false);
    let mail = await waitForInbox(h, 3, 30_000);
    expect(mail[2]!.subject).toBe('[mail.example.com] The last backup failed');
    // More failed runs (every second): no second email.
    let again = await nextScheduledRun(failed.id);
    again = await nextScheduledRun(again.id);
    expect(again.status).toBe('failed');
    expect(await ownerInbox(h)).toHaveLength(3);

    renameSync(aside, repo);
    let good = await nextScheduledRun(again.id);
    if (good.status === 'failed') good = await nextScheduledRun(good.id); // one that began before the move back
    expect(good.status).toBe('done');
    mail = await waitForInbox(h, 4, 30_000);
    expect(mail[3]!.subject).toBe('[mail.example.com] Backups work again');
    await sleep(1_000);
    expect((await ownerInbox(h)).map((m) => m.subject)).toHaveLength(4);
  }, 180_000);
});
