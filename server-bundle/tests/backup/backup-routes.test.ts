// The backup routes of the control API over real HTTP with a bearer token, a real mail store and
// Redis, and real restic writing to a local repository: settings (key required once, never shown,
// a wrong key refused), a run observed until done, the snapshot listed with its contents, and the
// per-mailbox verification with the mailbox's own key K (opened from its recovery wrap, as the
// desktop does) and with wrong keys.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unwrapWithRecoveryKey, type RecoveryWrap } from '../../src/crypto/key-wraps.ts';
import { startControlHarness, type ControlHarness } from '../control/control-harness.ts';
import { message, PASSWORD } from '../protocols/mail-stack.ts';
import { createTestCa } from '../support/test-ca.ts';

const KEY = randomBytes(32).toString('base64url');
const ALICE = 'alice@example.com';
const BOB = 'bob@example.com';
let h: ControlHarness;
let repoDir: string;
let repo: string;

beforeAll(async () => {
  h = await startControlHarness({ backups: { leaseTtlMs: 3_000 } });
  repoDir = mkdtempSync(join(tmpdir(), 'facteur-repo-'));
  repo = join(repoDir, 'restic');
  for (const address of [ALICE, BOB])
    await h.core.accounts.createMailbox({
      address,
      password: PASSWORD,
      recoveryPublicKey: h.owner.publicKey.bytes,
    });
  for (let i = 0; i < 3; i++) await h.deliver(ALICE, message(`Backup test ${i}`, `body ${i}`));
  // The login drains the sealed spool into the encrypted mailbox file.
  (await h.core.openSession(ALICE, PASSWORD)).close();
}, 60_000);

afterAll(async () => {
  await h?.stop();
  if (repoDir) rmSync(repoDir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** K of a mailbox, from its recovery wrap opened with the owner's key (the desktop's way). */
async function mailboxKey(address: string): Promise<Buffer> {
  const rec = await h.call('GET', `/v1/mailboxes/${address}/recovery-wrap`);
  expect(rec.status).toBe(200);
  return unwrapWithRecoveryKey(rec.json.wrap as RecoveryWrap, h.owner, {
    mailboxId: rec.json.mailboxId as string,
    wrapId: rec.json.wrapId as string,
  });
}

describe('backup routes', () => {
  it('settings: none at first; the key is required once, never shown; a wrong key is refused', async () => {
    let r = await h.call('GET', '/v1/backups/settings');
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ settings: null, keySet: false, status: { state: 'never' } });
    expect((await h.call('GET', '/v1/backups')).json).toMatchObject({
      snapshots: [],
      status: { state: 'never' },
    });
    expect((await h.call('POST', '/v1/backups/run', { body: {} })).json.error.code).toBe('NOT_CONFIGURED');

    const settings = { target: { kind: 'local', path: repo }, schedule: { dailyAt: '03:30' } };
    r = await h.call('PUT', '/v1/backups/settings', { body: settings });
    expect(r.status).toBe(400);
    expect(r.json.error.message).toMatch(/key is required/);
    r = await h.call('PUT', '/v1/backups/settings', { body: { ...settings, target: { kind: 'ftp' } } });
    expect(r.json.error).toEqual({ code: 'INVALID', message: 'target.kind must be one of local, sftp, s3' });

    r = await h.call('PUT', '/v1/backups/settings', { body: { ...settings, key: KEY } });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      created: true,
      settings: { target: { kind: 'local', path: repo }, retention: { daily: 7, weekly: 4, monthly: 6 } },
    });
    expect(existsSync(join(repo, 'config'))).toBe(true); // restic initialised the repository
    expect(statSync(join(h.dataDir, 'backup-key')).mode & 0o777).toBe(0o600);

    r = await h.call('GET', '/v1/backups/settings');
    expect(r.json).toMatchObject({ keySet: true, settings: { schedule: { dailyAt: '03:30' } } });
    expect(r.text).not.toContain(KEY);
    expect(Date.parse(r.json.status.nextRunAt as string)).toBeGreaterThan(Date.now() - 1_000);

    // Saving again without the key keeps it; another key does not open this repository.
    r = await h.call('PUT', '/v1/backups/settings', {
      body: { ...settings, schedule: { everyMs: 3_600_000 } },
    });
    expect(r.status).toBe(200);
    expect(r.json.created).toBe(false);
    r = await h.call('PUT', '/v1/backups/settings', {
      body: { ...settings, key: randomBytes(32).toString('base64url') },
    });
    expect(r.status).toBe(403);
    expect(r.json.error.code).toBe('WRONG_KEY');
    expect(readFileSync(join(h.dataDir, 'backup-key'), 'utf8').trim()).toBe(KEY); // unchanged
    expect(readFileSync(join(h.dataDir, 'logs', 'control.log'), 'utf8')).not.toContain(KEY);
  }, 60_000);

  it('an unreachable S3 target is refused in plain words, and nothing is saved', async () => {
    const r = await h.call('PUT', '/v1/backups/settings', {
      body: {
        target: {
          kind: 's3',
          endpoint: 'http://127.0.0.1:9', // discard port: nothing listens
          bucket: 'facteur-backups',
          accessKeyId: 'AKIDTEST',
          secretAccessKey: 'not-a-real-secret-0123456789',
        },
        schedule: { everyMs: 3_600_000 },
      },
    });
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(600);
    expect(r.json.error.code).toBe('UNREACHABLE');
    expect(r.text).not.toContain('not-a-real-secret');
    const s = await h.call('GET', '/v1/backups/settings');
    expect(s.json.settings.target).toEqual({ kind: 'local', path: repo });
  }, 90_000);

  it("an S3 target's CA certificate is accepted (PEM only) and carried to the storage", async () => {
    const s3 = (caCert: string) => ({
      target: {
        kind: 's3',
        endpoint: 'https://127.0.0.1:9', // discard port: nothing listens
        bucket: 'facteur-backups',
        accessKeyId: 'AKIDTEST',
        secretAccessKey: 'not-a-real-secret-0123456789',
        caCert,
      },
      schedule: { everyMs: 3_600_000 },
    });
    let r = await h.call('PUT', '/v1/backups/settings', { body: s3('not a certificate') });
    expect(r.json.error).toEqual({ code: 'INVALID', message: 'target.caCert must be a PEM certificate' });
    const ca = createTestCa();
    try {
      r = await h.call('PUT', '/v1/backups/settings', { body: s3(ca.certPem) });
    } finally {
      rmSync(ca.dir, { recursive: true, force: true });
    }
    // past validation: refused only because nothing answers there
    expect(r.json.error.code).toBe('UNREACHABLE');
  }, 90_000);

  it('a run: 202 with a runId, 409 while it runs, progress until done, then listed with its contents', async () => {
    const r = await h.call('POST', '/v1/backups/run', { body: {} });
    expect(r.status).toBe(202);
    const runId = r.json.runId as string;
    const again = await h.call('POST', '/v1/backups/run');
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe('BUSY');
    expect((await h.call('GET', '/v1/backups')).json.status).toMatchObject({ state: 'running', runId });

    const phases = new Set<string>();
    let run;
    for (const t0 = Date.now(); ; await sleep(20)) {
      run = (await h.call('GET', `/v1/backups/runs/${runId}`)).json;
      phases.add(run.progress.phase as string);
      if (run.state !== 'running') break;
      expect(Date.now() - t0).toBeLessThan(60_000);
    }
    expect(run).toMatchObject({ runId, trigger: 'manual', state: 'done', error: null });
    expect(run.progress).toMatchObject({ phase: 'done', percent: 100 });
    expect(run.progress.bytesTotal).toBeGreaterThan(0);
    expect(phases.size).toBeGreaterThan(1); // seen while it ran, not only its end
    const snapshot = run.result as { id: string; mailboxes: number; verified: boolean };
    expect(snapshot).toMatchObject({ mailboxes: 2, verified: true });

    const list = (await h.call('GET', '/v1/backups')).json;
    expect(list.snapshots.map((s: { id: string }) => s.id)).toEqual([snapshot.id]);
    expect(list.status).toMatchObject({ state: 'ok' });
    expect(list.status.lastSuccessAt).toBeDefined();

    const contents = await h.call('GET', `/v1/backups/${snapshot.id}`);
    expect(contents.status).toBe(200);
    expect(contents.json.manifest.mailboxes.map((m: { address: string }) => m.address).sort()).toEqual([
      ALICE,
      BOB,
    ]);
    expect(contents.json.manifest.domains).toContain('example.com');

    expect((await h.call('GET', '/v1/backups/runs/nope-000000000000')).status).toBe(404);
    // A run whose process died (SIGKILL) keeps its last "running" state but not its lease: failed.
    const stored = JSON.parse((await h.redisConn.get(`backup:run:${runId}`))!) as object;
    await h.redisConn.set(
      `backup:run:${runId}`,
      JSON.stringify({ ...stored, status: 'running', phase: 'uploading' }),
    );
    const dead = (await h.call('GET', `/v1/backups/runs/${runId}`)).json;
    expect(dead).toMatchObject({ state: 'failed', error: { code: 'INTERRUPTED' } });
    expect((await h.call('GET', '/v1/backups/not-hex')).status).toBe(400);
  }, 90_000);

  it('verify: counts with the mailbox key; a wrong key and another mailbox key are refused', async () => {
    const alice = await mailboxKey(ALICE);
    const bob = await mailboxKey(BOB);
    try {
      let r = await h.call('POST', `/v1/mailboxes/${ALICE}/verify`, { body: { key: alice.toString('hex') } });
      expect(r.status).toBe(200);
      expect(r.json).toEqual({ messages: 3, events: 0, contacts: 0, integrity: 'ok' });
      r = await h.call('POST', `/v1/mailboxes/${BOB}/verify`, { body: { key: bob.toString('hex') } });
      expect(r.json).toMatchObject({ messages: 0, integrity: 'ok' });

      for (const key of [randomBytes(32), bob]) {
        r = await h.call('POST', `/v1/mailboxes/${ALICE}/verify`, { body: { key: key.toString('hex') } });
        expect(r.status).toBe(403);
        expect(r.json.error).toEqual({ code: 'WRONG_KEY', message: 'this key does not open that mailbox' });
      }
      r = await h.call('POST', `/v1/mailboxes/${ALICE}/verify`, { body: { key: 'zz' } });
      expect(r.json.error).toEqual({ code: 'INVALID', message: 'key must be 64 to 64 characters' });
      expect(
        (
          await h.call('POST', '/v1/mailboxes/nobody@example.com/verify', {
            body: { key: alice.toString('hex') },
          })
        ).status,
      ).toBe(404);
      expect(readFileSync(join(h.dataDir, 'logs', 'control.log'), 'utf8')).not.toContain(
        alice.toString('hex'),
      );
    } finally {
      alice.fill(0);
      bob.fill(0);
    }
  }, 30_000);
});
