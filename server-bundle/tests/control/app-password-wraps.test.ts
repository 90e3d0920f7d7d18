// App passwords made by the owner's desktop (POST /v1/mailboxes/:m/app-password-wraps): the
// desktop opens the recovery wrap, wraps K under a password it generated and uploads that wrap
// alone. It logs in, is listed, revokes alone; a wrap bound to another id or mailbox never opens.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImapFlow } from 'imapflow';
import { unwrapWithRecoveryKey, wrapWithPassword, type RecoveryWrap } from '../../src/crypto/key-wraps.ts';
import { startControlHarness, type ControlHarness } from './control-harness.ts';

let h: ControlHarness;
let mailboxId: string;
const ADDRESS = 'carol@wraps.test';
const PASSWORD = 'carol-primary-Zq9-password';

beforeAll(async () => {
  h = await startControlHarness();
  await h.call('POST', '/v1/domains', { body: { name: 'wraps.test', dkim: false } });
  const r = await h.call('POST', '/v1/mailboxes', {
    body: {
      address: ADDRESS,
      password: PASSWORD,
      recoveryPublicKey: Buffer.from(h.owner.publicKey.bytes).toString('base64'),
    },
  });
  mailboxId = r.json.mailbox.id;
});
afterAll(() => h?.stop());

async function imapLogin(pass: string): Promise<boolean> {
  const c = new ImapFlow({
    host: '127.0.0.1',
    port: h.port('imap', 'implicit'),
    secure: true,
    tls: { rejectUnauthorized: false },
    auth: { user: ADDRESS, pass },
    logger: false,
  });
  try {
    await c.connect();
    await c.logout();
    return true;
  } catch {
    c.close();
    return false;
  }
}

async function ownerWrap(id: string, password: string, boundTo = { mailboxId, wrapId: id }) {
  const rec = await h.call('GET', `/v1/mailboxes/${mailboxId}/recovery-wrap`);
  const key = unwrapWithRecoveryKey(rec.json.wrap as RecoveryWrap, h.owner, {
    mailboxId,
    wrapId: rec.json.wrapId,
  });
  try {
    return await wrapWithPassword(key, password, { ...boundTo, kind: 'app-password' });
  } finally {
    key.fill(0);
  }
}

describe('app passwords wrapped by the owner', () => {
  it('adds one without the mailbox password: it logs in, is listed, and is revoked alone', async () => {
    const phone = 'phone-app-password-123456';
    const laptop = 'laptop-app-password-654321';
    for (const [id, pw, label] of [
      ['0123456789ab', phone, 'phone'],
      ['ba9876543210', laptop, 'laptop'],
    ] as const) {
      const r = await h.call('POST', `/v1/mailboxes/${ADDRESS}/app-password-wraps`, {
        body: { id, label, wrap: await ownerWrap(id, pw) },
      });
      expect(r.status).toBe(201);
      expect(r.json).toEqual({ id, label, createdAt: expect.any(String) });
    }
    expect(await imapLogin(phone)).toBe(true);
    expect(await imapLogin(laptop)).toBe(true);
    const listed = (await h.call('GET', `/v1/mailboxes/${mailboxId}`)).json.mailbox.appPasswords;
    expect(listed.map((a: { id: string }) => a.id).sort()).toEqual(['0123456789ab', 'ba9876543210']);

    expect((await h.call('DELETE', `/v1/mailboxes/${mailboxId}/app-passwords/0123456789ab`)).status).toBe(
      204,
    );
    expect(await imapLogin(phone)).toBe(false);
    expect(await imapLogin(laptop)).toBe(true);
    expect(await imapLogin(PASSWORD)).toBe(true);
  });

  it('refuses a taken id, a weak KDF and a malformed body; a wrap bound to another id never opens', async () => {
    const taken = await h.call('POST', `/v1/mailboxes/${mailboxId}/app-password-wraps`, {
      body: { id: 'ba9876543210', label: 'again', wrap: await ownerWrap('ba9876543210', 'x-password-1') },
    });
    expect([taken.status, taken.json.error.code]).toEqual([409, 'EXISTS']);

    const weak = await ownerWrap('aaaaaaaaaaaa', 'weak-password-1');
    weak.kdf.memory = 1024;
    const w = await h.call('POST', `/v1/mailboxes/${mailboxId}/app-password-wraps`, {
      body: { id: 'aaaaaaaaaaaa', label: 'weak', wrap: weak },
    });
    expect([w.status, w.json.error.code]).toEqual([400, 'INVALID']);

    const bad = await h.call('POST', `/v1/mailboxes/${mailboxId}/app-password-wraps`, {
      body: { id: 'NOT-HEX', label: 'x', wrap: await ownerWrap('bbbbbbbbbbbb', 'bad-password-1') },
    });
    expect(bad.status).toBe(400);
    expect(
      (await h.call('POST', '/v1/mailboxes/nobody@wraps.test/app-password-wraps', { body: {} })).status,
    ).toBe(404);

    // Wrapped for id "cccccccccccc" but uploaded as "dddddddddddd": stored, yet it cannot log in.
    const misbound = await ownerWrap('cccccccccccc', 'misbound-password-1');
    const r = await h.call('POST', `/v1/mailboxes/${mailboxId}/app-password-wraps`, {
      body: { id: 'dddddddddddd', label: 'misbound', wrap: misbound },
    });
    expect(r.status).toBe(201);
    expect(await imapLogin('misbound-password-1')).toBe(false);
  });
});
