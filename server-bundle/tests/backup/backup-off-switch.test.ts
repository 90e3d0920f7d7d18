// Turning backups off through the control API (real HTTP, Redis, restic on a local repository)
// with the real jobs role running: the settings and the list say off, the backup made before stays
// listed with its contents, the schedule starts nothing and no "did not run" email comes although
// one is long overdue; turned on again, the schedule runs at once.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBackupStatus, writeBackupStatus } from '../../src/alerts/backup-status.ts';
import {
  alertRounds,
  OWNER,
  ownerInbox,
  startJobsWithAlerts,
  type RunningJobsRole,
} from '../alerts/alert-harness.ts';
import { startControlHarness, type ControlHarness } from '../control/control-harness.ts';
import { PASSWORD } from '../protocols/mail-stack.ts';

const KEY = randomBytes(32).toString('base64url');
let h: ControlHarness;
let repoDir: string;
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
}, 60_000);

afterAll(async () => {
  await jobs?.stop();
  await h?.stop();
  if (repoDir) rmSync(repoDir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const target = () => ({ kind: 'local', path: join(repoDir, 'restic') });

async function put(body: object) {
  const r = await h.call('PUT', '/v1/backups/settings', { body: { target: target(), ...body } });
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  return r.json;
}

describe('backups turned off', () => {
  it('settings and list say off; the backup made before stays listed with its contents', async () => {
    const on = await put({ schedule: { everyMs: 3_600_000 }, key: KEY });
    expect(on.settings).toMatchObject({ enabled: true, retention: { last: 3, daily: 7 } });
    const { runId } = (await h.call('POST', '/v1/backups/run', { body: {} })).json;
    let run;
    do {
      await sleep(100);
      run = (await h.call('GET', `/v1/backups/runs/${runId}`)).json;
    } while (run.state === 'running');
    expect(run.state).toBe('done');

    expect((await put({ enabled: false, schedule: { everyMs: 3_600_000 } })).settings.enabled).toBe(false);
    // Left out: as saved.
    await put({ schedule: { everyMs: 3_600_000 }, retention: { last: 5, daily: 7, weekly: 4, monthly: 6 } });
    const got = (await h.call('GET', '/v1/backups/settings')).json;
    expect(got.settings).toMatchObject({ enabled: false, retention: { last: 5 } });
    expect(got.status).toMatchObject({ enabled: false, state: 'ok' });
    expect(got.status.nextRunAt).toBeUndefined();
    const list = (await h.call('GET', '/v1/backups')).json;
    expect(list.status.enabled).toBe(false);
    expect(list.snapshots.map((s: { id: string }) => s.id)).toEqual([run.result.id]);
    const contents = await h.call('GET', `/v1/backups/${run.result.id}`);
    expect(contents.status).toBe(200);
    expect(contents.json.manifest.mailboxes.map((m: { address: string }) => m.address)).toEqual([OWNER]);
  }, 120_000);

  it('off: no scheduled run and no "did not run" email though one is long overdue; on: it runs', async () => {
    await put({ enabled: false, schedule: { everyMs: 1_000 } });
    await writeBackupStatus(h.dataDir, { ok: true, at: new Date(Date.now() - 2 * 86_400_000) });
    const before = await readBackupStatus(h.dataDir);
    jobs = await startJobsWithAlerts(h, {}, { checkIntervalMs: 50, missedGraceMs: 500, leaseTtlMs: 3_000 });
    await alertRounds(h, 10);
    expect(await h.backups!.runner.current()).toBeUndefined();
    expect(await readBackupStatus(h.dataDir)).toEqual(before);
    expect(await ownerInbox(h)).toEqual([]);

    await put({ enabled: true, schedule: { everyMs: 1_000 } });
    const t0 = Date.now();
    let status = before;
    while (status?.at === before?.at) {
      if (Date.now() - t0 > 60_000) throw new Error('no scheduled backup after turning backups on');
      await sleep(100);
      status = await readBackupStatus(h.dataDir);
    }
    expect(status?.ok).toBe(true);
  }, 120_000);
});
