// Administration through the control API, checked from the outside: mailboxes created over HTTP
// log in over IMAP and POP3, aliases and catch-alls route mail, the owner's reset works without
// the server ever seeing the recovery private key, DKIM keys sign what their DNS values verify,
// the queue view shows envelopes only, and no password given to the API reaches any file.
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { readdirSync, readFileSync, statSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unwrapWithRecoveryKey, wrapWithPassword, type RecoveryWrap } from '../../src/crypto/key-wraps.ts';
import { newKdfParams } from '../../src/crypto/password-kdf.ts';
import { DkimKeyStore } from '../../src/dkim/dkim-keys.ts';
import { LineWire } from '../protocols/line-wire.ts';
import { message } from '../protocols/mail-stack.ts';
import { startControlHarness, type ControlHarness } from './control-harness.ts';

let h: ControlHarness;
const secrets: string[] = []; // every password handed to the API: none may reach a file
const password = (label: string) => {
  const p = `pw-${label}-${Math.random().toString(36).slice(2)}-Zq9`;
  secrets.push(p);
  return p;
};

beforeAll(async () => {
  h = await startControlHarness();
});
afterAll(() => h?.stop());

async function imapLogin(user: string, pass: string): Promise<boolean> {
  const c = new ImapFlow({
    host: '127.0.0.1',
    port: h.port('imap', 'implicit'),
    secure: true,
    tls: { rejectUnauthorized: false },
    auth: { user, pass },
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

async function pop3Login(user: string, pass: string): Promise<string> {
  const w = await LineWire.connect({ host: '127.0.0.1', port: h.port('pop3', 'implicit'), tls: true });
  try {
    await w.until((l) => l.startsWith('+OK'));
    await w.pop(`USER ${user}`);
    return await w.pop(`PASS ${pass}`);
  } finally {
    w.close();
  }
}

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

describe('domains', () => {
  it('adds a domain with its DKIM keys, lists it, refuses duplicates and unknown ones', async () => {
    const r = await h.call('POST', '/v1/domains', { body: { name: 'One.Test' } });
    expect(r.status).toBe(201);
    expect(r.json.domain).toEqual({ name: 'one.test', mailboxes: 0, aliases: 0 });
    expect(r.json.dkim.map((k: { algorithm: string; active: boolean }) => [k.algorithm, k.active])).toEqual([
      ['rsa', true],
      ['ed25519', true],
    ]);
    expect((await h.call('POST', '/v1/domains', { body: { name: 'one.test' } })).json.error.code).toBe(
      'EXISTS',
    );
    expect((await h.call('GET', '/v1/domains')).json.domains.map((d: { name: string }) => d.name)).toEqual([
      'example.com',
      'one.test',
    ]);
    expect((await h.call('GET', '/v1/domains/nope.test')).status).toBe(404);
    const two = await h.call('POST', '/v1/domains', { body: { name: 'two.test', dkim: false } });
    expect([two.status, two.json.dkim]).toEqual([201, []]);
    expect((await h.call('DELETE', '/v1/domains/two.test')).status).toBe(204);
    expect((await h.call('GET', '/v1/domains/two.test')).status).toBe(404);
  });
});

describe('mailboxes', () => {
  let alicePw: string;
  let aliceId: string;

  it('creates a mailbox over HTTP that logs in over IMAP and POP3 with its password', async () => {
    alicePw = password('alice');
    const r = await h.call('POST', '/v1/mailboxes', {
      body: {
        address: 'Alice@one.test',
        password: alicePw,
        recoveryPublicKey: b64(h.owner.publicKey.bytes),
        quotaBytes: 1_000_000,
        displayName: 'Alice',
      },
    });
    expect(r.status).toBe(201);
    expect(r.json.mailbox).toMatchObject({
      address: 'Alice@one.test',
      quotaBytes: 1_000_000,
      state: 'active',
      displayName: 'Alice',
      appPasswords: [],
    });
    aliceId = r.json.mailbox.id;
    expect(await imapLogin('alice@one.test', alicePw)).toBe(true);
    expect(await pop3Login('alice@one.test', alicePw)).toMatch(/^\+OK/);
    expect(await imapLogin('alice@one.test', 'wrong password')).toBe(false);
    const s = await h.core.openSession('alice@one.test', alicePw);
    expect(s.view.getFolder('INBOX')).toBeTruthy();
    s.close();
    expect((await h.call('GET', `/v1/mailboxes/${aliceId}`)).json.mailbox.address).toBe('Alice@one.test');
    expect((await h.call('GET', '/v1/mailboxes/alice@one.test')).json.mailbox.id).toBe(aliceId);
    expect((await h.call('GET', '/v1/mailboxes?domain=one.test')).json.mailboxes).toHaveLength(1);
  });

  it('refuses duplicates, unknown domains and keys that are not hybrid public keys, leaving no file', async () => {
    const before = readdirSync(join(h.dataDir, 'mailboxes')).length;
    const base = { password: password('dup'), recoveryPublicKey: b64(h.owner.publicKey.bytes) };
    expect(
      (await h.call('POST', '/v1/mailboxes', { body: { ...base, address: 'alice@one.test' } })).json.error
        .code,
    ).toBe('EXISTS');
    expect(
      (await h.call('POST', '/v1/mailboxes', { body: { ...base, address: 'x@elsewhere.test' } })).status,
    ).toBe(404);
    const wrongKey = Buffer.from(h.owner.publicKey.bytes);
    wrongKey[0] = 0x7f;
    const bad = await h.call('POST', '/v1/mailboxes', {
      body: { ...base, address: 'bob@one.test', recoveryPublicKey: b64(wrongKey) },
    });
    expect([bad.status, bad.json.error.code]).toEqual([400, 'INVALID']);
    const priv = await h.call('POST', '/v1/mailboxes', {
      body: { ...base, address: 'bob@one.test', recoveryPublicKey: b64(h.owner.bytes) },
    });
    expect(priv.status).toBe(400); // a private key is refused (wrong length), never stored
    expect(readdirSync(join(h.dataDir, 'mailboxes')).length).toBe(before);
  });

  it('changes quota and state; a disabled mailbox cannot log in until enabled again', async () => {
    let r = await h.call('PATCH', `/v1/mailboxes/${aliceId}`, { body: { quotaBytes: 2_000_000 } });
    expect(r.json.mailbox.quotaBytes).toBe(2_000_000);
    r = await h.call('PATCH', `/v1/mailboxes/${aliceId}`, { body: { state: 'disabled' } });
    expect(r.json.mailbox.state).toBe('disabled');
    expect(await imapLogin('alice@one.test', alicePw)).toBe(false);
    expect(await pop3Login('alice@one.test', alicePw)).toMatch(/^-ERR/);
    await h.call('PATCH', `/v1/mailboxes/${aliceId}`, { body: { state: 'active', quotaBytes: null } });
    expect(await imapLogin('alice@one.test', alicePw)).toBe(true);
    expect((await h.call('PATCH', `/v1/mailboxes/${aliceId}`, { body: { state: 'gone' } })).status).toBe(400);
  });

  it('adds an app password (shown once) that logs in, and revokes it alone', async () => {
    expect(
      (
        await h.call('POST', `/v1/mailboxes/${aliceId}/app-passwords`, {
          body: { password: 'not it', label: 'phone' },
        })
      ).status,
    ).toBe(403);
    const r = await h.call('POST', `/v1/mailboxes/${aliceId}/app-passwords`, {
      body: { password: alicePw, label: 'phone' },
    });
    expect(r.status).toBe(201);
    secrets.push(r.json.password);
    expect(await imapLogin('alice@one.test', r.json.password)).toBe(true);
    const listed = (await h.call('GET', `/v1/mailboxes/${aliceId}`)).json.mailbox.appPasswords;
    expect(listed).toEqual([{ id: r.json.id, label: 'phone', createdAt: expect.any(String) }]);
    expect((await h.call('DELETE', `/v1/mailboxes/${aliceId}/app-passwords/${r.json.id}`)).status).toBe(204);
    expect(await imapLogin('alice@one.test', r.json.password)).toBe(false);
    expect(await imapLogin('alice@one.test', alicePw)).toBe(true);
  });

  it('resets the password with the owner key held by the desktop; mail received before is still there', async () => {
    await h.deliver('alice@one.test', message('before reset', 'kept across the reset'));
    const r = await h.call('GET', `/v1/mailboxes/${aliceId}/recovery-wrap`);
    expect(r.status).toBe(200);
    // On the desktop: open the recovery wrap with the owner's private key, wrap K under a new password.
    const k = unwrapWithRecoveryKey(r.json.wrap as RecoveryWrap, h.owner, {
      mailboxId: aliceId,
      wrapId: 'owner',
    });
    const newPw = password('reset');
    const wrap = await wrapWithPassword(
      k,
      newPw,
      { mailboxId: aliceId, wrapId: 'primary' },
      newKdfParams({ memory: 19456, passes: 1, parallelism: 1 }),
    );
    k.fill(0);
    const weak = await wrapWithPassword(
      Buffer.alloc(32),
      'x',
      { mailboxId: aliceId, wrapId: 'primary' },
      newKdfParams({ memory: 1024, passes: 1, parallelism: 1 }),
    );
    expect(
      (await h.call('PUT', `/v1/mailboxes/${aliceId}/password-wrap`, { body: { wrap: weak } })).status,
    ).toBe(400);
    expect((await h.call('PUT', `/v1/mailboxes/${aliceId}/password-wrap`, { body: { wrap } })).status).toBe(
      204,
    );
    expect(await imapLogin('alice@one.test', alicePw)).toBe(false);
    const s = await h.core.openSession('alice@one.test', newPw);
    const inbox = s.view.getFolder('INBOX')!.id;
    expect(s.view.uids(inbox).map((u) => s.view.readRaw(inbox, u)!.toString())).toEqual([
      expect.stringContaining('kept across the reset'),
    ]);
    s.close();
    alicePw = newPw;
  });

  it('deletes a mailbox: record, encrypted file and spool go; logins fail', async () => {
    const pw = password('carol');
    const c = (
      await h.call('POST', '/v1/mailboxes', {
        body: { address: 'carol@one.test', password: pw, recoveryPublicKey: b64(h.owner.publicKey.bytes) },
      })
    ).json.mailbox;
    await h.deliver('carol@one.test', message('waiting in the spool', 'sealed'));
    expect(existsSync(h.core.mailboxPath(c.id))).toBe(true);
    expect(existsSync(join(h.core.spool.root, c.id))).toBe(true);
    expect((await h.call('DELETE', '/v1/mailboxes/carol@one.test')).status).toBe(204);
    expect(existsSync(h.core.mailboxPath(c.id))).toBe(false);
    expect(existsSync(join(h.core.spool.root, c.id))).toBe(false);
    expect((await h.call('GET', `/v1/mailboxes/${c.id}`)).status).toBe(404);
    expect(await imapLogin('carol@one.test', pw)).toBe(false);
    // A domain with mailboxes is not removed behind their back.
    expect((await h.call('DELETE', '/v1/domains/one.test')).json.error.code).toBe('NOT_EMPTY');
  });
});

describe('aliases', () => {
  it('creates, reads, changes and deletes aliases and a catch-all, which route mail', async () => {
    let r = await h.call('POST', '/v1/aliases', {
      body: { address: 'hello@one.test', destinations: ['alice@one.test'] },
    });
    expect([r.status, r.json.alias]).toEqual([
      201,
      { address: 'hello@one.test', destinations: ['alice@one.test'], catchAll: false },
    ]);
    const viaAlias = await h.core.delivery.checkRecipient('hello@one.test');
    expect(viaAlias.resolution.mailboxes.map((m) => m.address)).toEqual(['Alice@one.test']);
    expect(
      (
        await h.call('POST', '/v1/aliases', {
          body: { address: 'hello@one.test', destinations: ['x@y.test'] },
        })
      ).status,
    ).toBe(409);
    expect(
      (
        await h.call('POST', '/v1/aliases', {
          body: { address: 'alice@one.test', destinations: ['x@y.test'] },
        })
      ).status,
    ).toBe(409);

    r = await h.call('POST', '/v1/aliases', {
      body: { address: '@one.test', destinations: ['alice@one.test'] },
    });
    expect(r.json.alias).toEqual({ address: '*@one.test', destinations: ['alice@one.test'], catchAll: true });
    const caught = await h.core.delivery.checkRecipient('anything-at-all@one.test');
    expect(caught.resolution.mailboxes.map((m) => m.address)).toEqual(['Alice@one.test']);

    r = await h.call('PUT', '/v1/aliases/hello@one.test', {
      body: { destinations: ['alice@one.test', 'friend@far.test'] },
    });
    expect(r.json.alias.destinations).toEqual(['alice@one.test', 'friend@far.test']);
    expect((await h.call('GET', `/v1/aliases/${encodeURIComponent('*@one.test')}`)).json.alias.catchAll).toBe(
      true,
    );
    expect((await h.call('GET', '/v1/aliases?domain=one.test')).json.aliases).toHaveLength(2);
    expect((await h.call('DELETE', '/v1/aliases/@one.test')).status).toBe(204);
    await expect(h.core.delivery.checkRecipient('anything-at-all@one.test')).rejects.toThrow();
    expect((await h.call('DELETE', '/v1/aliases/hello@one.test')).status).toBe(204);
    expect((await h.call('GET', '/v1/aliases/hello@one.test')).status).toBe(404);
  });
});

describe('DKIM', () => {
  const data = Buffer.from('v=1; a=...; h=from:to:subject; bh=...; b=');

  /** What a verifier does with the TXT record, written independently of the server code. */
  function keyFromDns(value: string) {
    const m = /^v=DKIM1; k=(rsa|ed25519); p=([A-Za-z0-9+/]+=*)$/.exec(value);
    expect(m).not.toBeNull();
    const p = Buffer.from(m![2]!, 'base64');
    if (m![1] === 'rsa') return createPublicKey({ key: p, format: 'der', type: 'spki' });
    expect(p.length).toBe(32);
    return createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: p.toString('base64url') },
      format: 'jwk',
    });
  }

  it('publishes TXT values that verify signatures made with the private keys kept on the server', async () => {
    const keys = (await h.call('GET', '/v1/domains/one.test/dkim')).json.keys as Array<{
      selector: string;
      algorithm: 'rsa' | 'ed25519';
      dns: { name: string; type: string; value: string; chunks: string[] };
    }>;
    expect(keys).toHaveLength(2);
    for (const k of keys) {
      expect(k.dns.name).toBe(`${k.selector}._domainkey.one.test`);
      expect(k.dns.type).toBe('TXT');
      expect(k.dns.chunks.join('')).toBe(k.dns.value);
      expect(k.dns.chunks.every((c) => c.length <= 255)).toBe(true);
      const file = join(h.dataDir, 'dkim', 'one.test', `${k.selector}.pem`);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(join(h.dataDir, 'dkim', 'one.test')).mode & 0o777).toBe(0o700);
      const priv = createPrivateKey(readFileSync(file, 'utf8'));
      const pub = keyFromDns(k.dns.value);
      if (k.algorithm === 'rsa') {
        expect(pub.asymmetricKeyDetails?.modulusLength).toBe(2048);
        expect(k.dns.chunks.length).toBe(2);
        expect(verify('sha256', data, pub, sign('sha256', data, priv))).toBe(true);
        expect(verify('sha256', Buffer.from('tampered'), pub, sign('sha256', data, priv))).toBe(false);
      } else {
        expect(pub.asymmetricKeyType).toBe('ed25519');
        expect(verify(null, data, pub, sign(null, data, priv))).toBe(true);
      }
    }
  });

  it('rotates: a new pair stays inactive until activated, one active key per algorithm, the old one removable', async () => {
    const old = (await h.call('GET', '/v1/domains/one.test/dkim')).json.keys as Array<{
      selector: string;
      algorithm: string;
    }>;
    const r = await h.call('POST', '/v1/domains/one.test/dkim', { body: { selector: 'next2027' } });
    expect(r.status).toBe(201);
    expect(r.json.keys.map((k: { selector: string; active: boolean }) => [k.selector, k.active])).toEqual([
      ['next2027-rsa', false],
      ['next2027-ed', false],
    ]);
    expect(
      (await h.call('POST', '/v1/domains/one.test/dkim', { body: { selector: 'next2027' } })).status,
    ).toBe(409);
    expect(
      (await h.call('POST', '/v1/domains/one.test/dkim', { body: { selector: 'Bad_Selector' } })).status,
    ).toBe(400);
    for (const s of ['next2027-rsa', 'next2027-ed'])
      expect((await h.call('POST', `/v1/domains/one.test/dkim/${s}/activate`)).json.key.active).toBe(true);
    const now = (await h.call('GET', '/v1/domains/one.test/dkim')).json.keys as Array<{
      selector: string;
      active: boolean;
    }>;
    expect(
      now
        .filter((k) => k.active)
        .map((k) => k.selector)
        .sort(),
    ).toEqual(['next2027-ed', 'next2027-rsa']);
    expect((await h.call('DELETE', '/v1/domains/one.test/dkim/next2027-rsa')).json.error.code).toBe(
      'ACTIVE_KEY',
    );
    for (const k of old)
      expect((await h.call('DELETE', `/v1/domains/one.test/dkim/${k.selector}`)).status).toBe(204);
    expect(existsSync(join(h.dataDir, 'dkim', 'one.test', `${old[0]!.selector}.pem`))).toBe(false);
    const signing = await new DkimKeyStore(join(h.dataDir, 'dkim')).activeKeys('one.test');
    expect(signing.map((k) => k.selector).sort()).toEqual(['next2027-ed', 'next2027-rsa']);
  });
});

describe('queue, metrics and logs', () => {
  it('lists queued envelopes, never the message', async () => {
    const canary = 'QUEUE-BODY-CANARY-7731';
    const first = await h.outbound.enqueue(
      {
        mailFrom: 'alice@one.test',
        rcptTo: ['bob@far.test', 'eve@far.test'],
        receivedAt: Date.now(),
        origin: 'submission',
      },
      message(canary, canary),
    );
    // What the outbound role records after a failed attempt.
    const next = Date.now() + 60_000;
    await h.states.put(first, {
      v: 1,
      attempts: 2,
      nextAttemptAt: next,
      lastError: '451 4.7.1 try later',
      done: ['bob@far.test'],
    });
    const big = Buffer.concat([message('big', 'x'), Buffer.alloc(300_000, 'y')]);
    await h.outbound.enqueue(
      { mailFrom: 'alice@one.test', rcptTo: ['big@far.test'], receivedAt: Date.now(), origin: 'submission' },
      big,
    );
    const r = await h.call('GET', '/v1/queue');
    expect(r.status).toBe(200);
    expect(r.json.total).toBe(2);
    expect(r.json.entries[0]).toMatchObject({
      id: first,
      from: 'alice@one.test',
      to: ['bob@far.test', 'eve@far.test'],
      origin: 'submission',
      attempts: 2,
      nextAttemptAt: new Date(next).toISOString(),
      lastError: '451 4.7.1 try later',
      done: ['bob@far.test'],
    });
    expect(r.json.entries[1]).toMatchObject({ to: ['big@far.test'], attempts: 0, lastError: null, done: [] });
    expect(r.json.entries[1].size).toBeGreaterThan(300_000);
    expect(r.text).not.toContain(canary);
    expect((await h.call('GET', '/v1/queue?limit=1')).json.entries).toHaveLength(1);
  });

  it('serves metrics series with units and the latest values', async () => {
    const t0 = Date.now() - 60_000;
    for (let i = 0; i < 6; i++) {
      h.metrics.record(t0 + i * 10_000, [
        { series: 'cpu', kind: 'gauge', value: 10 + i },
        { series: 'messages_in', kind: 'count', value: 2 },
      ]);
    }
    const r = await h.call('GET', '/v1/metrics?series=cpu,messages_in,nothing&range=1h&points=60');
    expect(r.status).toBe(200);
    expect(r.json.stepMs).toBe(60_000);
    expect(r.json.series.cpu.unit).toBe('%');
    const cpuAvg =
      r.json.series.cpu.points.reduce((a: number, p: { v: number }) => a + p.v, 0) /
      r.json.series.cpu.points.length;
    expect(cpuAvg).toBeGreaterThan(10);
    expect(r.json.series.messages_in.points.reduce((a: number, p: { v: number }) => a + p.v, 0)).toBe(12);
    expect(r.json.series.nothing.points).toEqual([]);
    const list = (await h.call('GET', '/v1/metrics/series')).json.series as Array<{
      name: string;
      latest: { v: number };
    }>;
    expect(list.find((s) => s.name === 'cpu')!.latest.v).toBe(15);
  });

  it("tails the roles' log files, redacted again on the way out", async () => {
    const dir = join(h.dataDir, 'logs');
    writeFileSync(
      join(dir, 'legacy.log'),
      [
        JSON.stringify({
          t: new Date().toISOString(),
          level: 'warn',
          event: 'x.failed',
          password: 'hunter2-in-a-field',
          note: 'token=abc123secret',
        }),
        'raw text: client sent AUTH PLAIN AGFsaWNlAGh1bnRlcjI= then Bearer fct_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
        JSON.stringify({ t: new Date().toISOString(), level: 'debug', event: 'x.debug' }),
      ].join('\n') + '\n',
      { mode: 0o600 },
    );
    const r = await h.call('GET', '/v1/logs?role=legacy&level=info');
    expect(r.status).toBe(200);
    expect(r.json.lines).toHaveLength(2);
    expect(r.json.lines[0]).toMatchObject({
      event: 'x.failed',
      level: 'warn',
      role: 'legacy',
      password: '[redacted]',
      note: 'token=[redacted]',
    });
    for (const s of ['hunter2', 'abc123secret', 'AGFsaWNlAGh1bnRlcjI', 'fct_abcdef'])
      expect(r.text).not.toContain(s);
    const control = await h.call('GET', '/v1/logs?role=control&level=info&limit=500');
    const events = (control.json.lines as Array<{ event: string }>).map((l) => l.event);
    expect(events).toContain('control.mailbox_created');
    expect(events).toContain('control.request');
  });

  it('no password given to the API, and no token, appears in any file of the data directory', async () => {
    expect(secrets.length).toBeGreaterThanOrEqual(5);
    const files: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(d, e.name));
        else files.push(join(d, e.name));
      }
    };
    walk(h.dataDir);
    expect(files.some((f) => f.endsWith('control.log'))).toBe(true);
    const logText = readFileSync(join(h.dataDir, 'logs', 'control.log'), 'utf8');
    expect(logText.split('\n').length).toBeGreaterThan(40); // debug level: every request was logged
    for (const f of files) {
      const content = readFileSync(f);
      for (const s of [...secrets, h.token]) expect([f, content.includes(s)]).toEqual([f, false]);
    }
  });
});
