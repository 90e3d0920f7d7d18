// The engine's bookkeeping with real parts (Redis state, the mail domain layer, the backup hook as
// the condition): an email that cannot be delivered stays pending and goes out once it can, and a
// change undone before its email left sends neither.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupObservation } from '../../src/alerts/alert-conditions.ts';
import { AlertMailer } from '../../src/alerts/alert-mailer.ts';
import { AlertStateStore } from '../../src/alerts/alert-state.ts';
import { alertRound, type AlertsEngineDeps } from '../../src/alerts/alerts-engine.ts';
import { readBackupStatus, writeBackupStatus } from '../../src/alerts/backup-status.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { OutboundQueue } from '../../src/queue/outbound-queue.ts';
import { connectRedis, type RedisConnection } from '../../src/storage/redis-adapter.ts';
import { loadOrCreateServerSecrets } from '../../src/storage/server-secrets.ts';
import { newCore } from '../helpers/core.ts';
import { useTmpDir } from '../helpers/tmp.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';
import { join } from 'node:path';

const tmp = useTmpDir('facteur-alerts-');
let redis: TestRedis;
let conn: RedisConnection;
beforeAll(async () => {
  redis = await startRedis();
  conn = connectRedis({ ...redis.options, keyPrefix: 'alerts-engine:' });
});
afterAll(async () => {
  await conn?.quit();
  await redis?.stop();
});

async function setup(prefix: string) {
  const dir = tmp();
  const { core, recovery } = await newCore(dir);
  const secrets = await loadOrCreateServerSecrets(join(dir, 'secrets.json'));
  const queue = OutboundQueue.fromSecrets(join(dir, 'outbound'), secrets);
  const mailer = new AlertMailer({ core, queue });
  const redisConn = connectRedis({ ...redis.options, keyPrefix: prefix });
  const deps: AlertsEngineDeps = {
    store: new AlertStateStore(redisConn),
    observe: async () => [await backupObservation({ backupStatus: () => readBackupStatus(dir) })],
    recipients: () => ['owner@example.com'],
    send: (to, raw) => mailer.send(to, raw),
    hostname: 'mail.example.com',
    from: () => mailer.defaultFrom('mail.example.com'),
    log: silentLogger,
  };
  const inbox = async () => {
    const s = await core.openSession('owner@example.com', 'pw');
    try {
      const folder = s.view.getFolder('INBOX')!.id;
      return s.view.fetch(folder).map((m) => (m.summary as { subject: string }).subject);
    } finally {
      s.close();
    }
  };
  const createOwner = () =>
    core.accounts.createMailbox({
      address: 'owner@example.com',
      password: 'pw',
      recoveryPublicKey: recovery.publicKey.bytes,
    });
  return { dir, core, deps, inbox, createOwner, close: () => (core.close(), redisConn.quit()) };
}

describe('alerts engine', () => {
  it('keeps an undeliverable email pending and sends it once delivery works', async () => {
    const t = await setup('pending:');
    await writeBackupStatus(t.dir, { ok: false, message: 'disk unreachable' });
    const first = await alertRound(t.deps); // owner mailbox does not exist yet
    expect(first).toEqual({ sent: [], failed: ['backup'] });
    expect((await t.deps.store.load()).conditions.backup).toMatchObject({
      status: 'alert',
      pending: 'alert',
    });
    await t.createOwner();
    const second = await alertRound(t.deps);
    expect(second.sent).toEqual([{ id: 'backup', kind: 'alert', messageId: expect.any(String) as unknown }]);
    expect(await alertRound(t.deps)).toEqual({ sent: [], failed: [] });
    expect(await t.inbox()).toEqual(['[mail.example.com] The last backup failed']);
    expect((await t.deps.store.load()).conditions.backup!.pending).toBeUndefined();
    await t.close();
  });

  it('a change undone before its email left sends neither email', async () => {
    const t = await setup('cancel:');
    await writeBackupStatus(t.dir, { ok: true });
    expect(await alertRound(t.deps)).toEqual({ sent: [], failed: [] }); // first OK: nothing
    await writeBackupStatus(t.dir, { ok: false, message: 'quota' });
    expect((await alertRound(t.deps)).failed).toEqual(['backup']); // no mailbox yet
    await writeBackupStatus(t.dir, { ok: true });
    await t.createOwner();
    expect(await alertRound(t.deps)).toEqual({ sent: [], failed: [] });
    const rec = (await t.deps.store.load()).conditions.backup!;
    expect(rec).toMatchObject({ status: 'ok', lastSent: null });
    expect(rec.pending).toBeUndefined();
    expect(await t.inbox()).toEqual([]);
    await t.close();
  });
});
