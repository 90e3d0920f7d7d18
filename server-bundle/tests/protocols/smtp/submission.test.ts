import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import nodemailer from 'nodemailer';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateSelfSigned } from '../../../src/tls/forge-adapter.ts';
import { useTmpDir } from '../../helpers/tmp.ts';
import { startRedis, type TestRedis } from '../../support/redis.ts';
import { SmtpWire } from '../../support/smtp-wire.ts';
import { startStack, type Stack } from './harness.ts';

const run = promisify(execFile);
const tmp = useTmpDir('facteur-submission-');
let redis: TestRedis;
const stacks: Stack[] = [];

beforeAll(async () => {
  redis = await startRedis();
});
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((s) => s.stop()));
});
afterAll(async () => {
  await redis?.stop();
});

async function stack(opts: Parameters<typeof startStack>[2] = {}) {
  const s = await startStack(tmp(), redis, opts);
  stacks.push(s);
  await s.createMailbox('alice@example.com', 'alice-pw');
  await s.createMailbox('bob@example.com', 'bob-pw');
  s.core.config.setAlias('sales@example.com', ['alice@example.com']);
  return s;
}

function message(subject: string, body = 'Hi Bob,\r\n.see you\r\n'): Buffer {
  return Buffer.from(
    `From: Alice <alice@example.com>\r\nTo: bob@example.com\r\nSubject: ${subject}\r\nDate: Tue, 2 Jan 2024 09:00:00 +0000\r\n` +
      `Message-ID: <${subject.replace(/\W/g, '')}@example.com>\r\n\r\n${body}`,
  );
}

function transport(port: number, secure: boolean, authMethod: 'PLAIN' | 'LOGIN', pass = 'alice-pw') {
  return nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    secure,
    requireTLS: !secure,
    auth: { user: 'alice@example.com', pass },
    authMethod,
    tls: { rejectUnauthorized: false },
  });
}

describe('submission', () => {
  it('nodemailer: 587 STARTTLS with AUTH PLAIN and LOGIN, 465 TLS; local mail comes back byte-identical', async () => {
    const s = await stack();
    const sent: Buffer[] = [];
    for (const [port, secure, method] of [
      [s.submissionPort, false, 'PLAIN'],
      [s.submissionPort, false, 'LOGIN'],
      [s.submissionsPort, true, 'PLAIN'],
      [s.submissionsPort, true, 'LOGIN'],
    ] as const) {
      const m = message(`Via ${port} ${method}`);
      const t = transport(port, secure, method);
      const info = await t.sendMail({
        envelope: { from: 'alice@example.com', to: ['bob@example.com'] },
        raw: m,
      });
      expect(info.response).toMatch(/^250 OK: message accepted/);
      expect(info.accepted).toEqual(['bob@example.com']);
      t.close();
      sent.push(m);
    }
    expect(await s.inbox('bob@example.com', 'bob-pw')).toEqual(sent);
    expect(s.notified).toHaveLength(4);
  });

  it('queues mail for other domains durably (sealed), and delivers the local part of a mixed envelope', async () => {
    const s = await stack();
    const t = transport(s.submissionsPort, true, 'PLAIN');
    const m = message('Mixed');
    await t.sendMail({
      envelope: {
        from: 'alice+lists@example.com',
        to: ['bob@example.com', 'friend@elsewhere.net', 'Other@Far.example'],
      },
      raw: m,
    });
    t.close();
    const q = await s.outbound.list();
    expect(q).toHaveLength(1);
    const e = await s.outbound.read(q[0]!.id);
    expect(e.raw.equals(m)).toBe(true);
    const alice = s.core.config.findMailbox('alice@example.com')!;
    expect(e.envelope).toMatchObject({
      mailFrom: 'alice+lists@example.com',
      rcptTo: ['friend@elsewhere.net', 'other@far.example'],
      origin: 'submission',
      submittedBy: alice.id,
    });
    expect(await s.inbox('bob@example.com', 'bob-pw')).toEqual([m]);
  });

  it('swaks: 587 STARTTLS + AUTH PLAIN, 465 TLS + AUTH LOGIN', async () => {
    const s = await stack();
    const file = join(tmp(), 'msg.eml');
    const m = message('Swaks');
    writeFileSync(file, m.subarray(0, -2));
    for (const args of [
      ['--port', String(s.submissionPort), '--tls', '--auth', 'PLAIN'],
      ['--port', String(s.submissionsPort), '--tls-on-connect', '--auth', 'LOGIN'],
    ]) {
      const { stdout } = await run('swaks', [
        '--server',
        '127.0.0.1',
        ...args,
        '--auth-user',
        'alice@example.com',
        '--auth-password',
        'alice-pw',
        '--from',
        'alice@example.com',
        '--to',
        'bob@example.com',
        '--data',
        `@${file}`,
        '--suppress-data',
      ]);
      expect(stdout).toMatch(/<~ +235 /);
      expect(stdout).toMatch(/<~ +250 OK: message accepted/);
      expect(stdout).not.toMatch(/alice-pw/);
    }
    expect(await s.inbox('bob@example.com', 'bob-pw')).toEqual([m, m]);
  });

  it('587: AUTH is neither offered nor accepted before STARTTLS; MAIL needs AUTH', async () => {
    const s = await stack();
    const c = await SmtpWire.connect({ host: '127.0.0.1', port: s.submissionPort });
    const ehlo = await c.ehlo();
    expect(ehlo.text).toMatch(/STARTTLS/);
    expect(ehlo.text).not.toMatch(/AUTH/);
    const auth = await c.authPlain('alice@example.com', 'alice-pw');
    expect(auth.code).toBeGreaterThanOrEqual(500);
    const mail = await c.cmd('MAIL FROM:<alice@example.com>');
    expect(mail.code).toBe(530);
    expect(mail.text).toMatch(/STARTTLS/);
    expect((await c.startTls()).code).toBe(220);
    const ehlo2 = await c.ehlo();
    expect(ehlo2.text).toMatch(/AUTH PLAIN LOGIN/);
    expect(ehlo2.text).not.toMatch(/STARTTLS/);
    expect((await c.cmd('MAIL FROM:<alice@example.com>')).code).toBe(530);
    expect((await c.authPlain('alice@example.com', 'alice-pw')).code).toBe(235);
    expect((await c.send('alice@example.com', ['bob@example.com'], message('After TLS'))).code).toBe(250);
    await c.quit();
    // 465 without AUTH: 530 too.
    const t = await SmtpWire.connect({ host: '127.0.0.1', port: s.submissionsPort, tls: true });
    expect((await t.ehlo()).text).toMatch(/AUTH PLAIN LOGIN/);
    expect((await t.cmd('MAIL FROM:<alice@example.com>')).code).toBe(530);
    await t.quit();
  });

  it('the envelope sender must be the user, a plus form or an alias of theirs: else 553', async () => {
    const s = await stack();
    s.core.config.setAlias('*@example.com', ['alice@example.com']);
    const c = await SmtpWire.connect({ host: '127.0.0.1', port: s.submissionsPort, tls: true });
    await c.ehlo();
    expect((await c.authPlain('alice@example.com', 'alice-pw')).code).toBe(235);
    for (const ok of [
      'alice@example.com',
      'ALICE@Example.COM',
      'alice+tag@example.com',
      'sales@example.com',
    ]) {
      expect((await c.cmd(`MAIL FROM:<${ok}>`)).code).toBe(250);
      await c.cmd('RSET');
    }
    for (const bad of ['bob@example.com', 'ceo@example.com', 'alice@elsewhere.net', '']) {
      const r = await c.cmd(`MAIL FROM:<${bad}>`);
      expect(r.code).toBe(553);
      expect(r.text).toMatch(/5\.7\.1/);
    }
    await c.quit();
    const t = transport(s.submissionsPort, true, 'PLAIN');
    await expect(
      t.sendMail({ envelope: { from: 'bob@example.com', to: ['bob@example.com'] }, raw: message('Forged') }),
    ).rejects.toMatchObject({
      responseCode: 553,
    });
    t.close();
  });

  it('wrong password: 535; after N failures the IP is blocked (421) across connections; other IPs are not', async () => {
    const s = await stack({ throttle: { maxFailures: 3, blockMs: 30_000 } });
    const c = await SmtpWire.connect({ host: '127.0.0.1', port: s.submissionsPort, tls: true });
    await c.ehlo();
    for (let i = 0; i < 3; i++) {
      const r = await c.authPlain('alice@example.com', 'wrong');
      expect(r.code).toBe(535);
      expect(r.text).toMatch(/5\.7\.8/);
    }
    // Even the right password is refused now, and the connection is closed.
    const blocked = await c.authPlain('alice@example.com', 'alice-pw');
    expect(blocked.code).toBe(421);
    expect(blocked.text).toMatch(/Too many failed logins.*try again in \d+ seconds/);
    await c.closed;
    // A new connection from the same IP is refused at once.
    const again = await SmtpWire.connect({ host: '127.0.0.1', port: s.submissionPort });
    expect(again.greeting.code).toBe(421);
    again.destroy();
    // Another IP still works (127.0.0.2 is loopback too).
    const other = await SmtpWire.connect({
      host: '127.0.0.1',
      port: s.submissionsPort,
      tls: true,
      localAddress: '127.0.0.2',
    });
    await other.ehlo();
    expect((await other.authPlain('alice@example.com', 'alice-pw')).code).toBe(235);
    await other.quit();
    // nodemailer sees the failure as an auth error.
    const t = transport(s.submissionsPort, true, 'LOGIN', 'nope');
    await expect(t.verify()).rejects.toBeTruthy();
    t.close();
  });

  it('failures counted by another protocol (same Redis) block SMTP too', async () => {
    const s = await stack({ throttle: { maxFailures: 2 } });
    // What IMAP/POP3 do on a wrong password:
    await s.throttle.recordFailure('::ffff:127.0.0.3');
    await s.throttle.recordFailure('127.0.0.3');
    const c = await SmtpWire.connect({
      host: '127.0.0.1',
      port: s.submissionsPort,
      tls: true,
      localAddress: '127.0.0.3',
    });
    expect(c.greeting.code).toBe(421);
    c.destroy();
  });

  it('a successful login is not slowed by the throttle and resets the count', async () => {
    const s = await stack({ throttle: { maxFailures: 2 } });
    const c = await SmtpWire.connect({
      host: '127.0.0.1',
      port: s.submissionsPort,
      tls: true,
      localAddress: '127.0.0.4',
    });
    await c.ehlo();
    expect((await c.authPlain('alice@example.com', 'bad')).code).toBe(535);
    expect((await c.authPlain('alice@example.com', 'alice-pw')).code).toBe(235);
    await c.quit();
    const d = await SmtpWire.connect({
      host: '127.0.0.1',
      port: s.submissionsPort,
      tls: true,
      localAddress: '127.0.0.4',
    });
    await d.ehlo();
    expect((await d.authPlain('alice@example.com', 'bad')).code).toBe(535);
    expect((await d.authPlain('nobody@example.com', 'alice-pw')).code).toBe(535);
    expect((await d.authPlain('alice@example.com', 'alice-pw')).code).toBe(421);
    d.destroy();
  });

  it('a new certificate applies to new TLS sessions without restarting or dropping open ones', async () => {
    const s = await stack();
    const before = await SmtpWire.connect({ host: '127.0.0.1', port: s.submissionsPort, tls: true });
    expect(before.peerCertificateFingerprint).toBe(s.tls.info.fingerprint256);
    const next = generateSelfSigned({ hostNames: ['mail.example.com'] });
    const info = await s.tls.replace({ key: next.keyPem, cert: next.certPem });
    const after = await SmtpWire.connect({ host: '127.0.0.1', port: s.submissionsPort, tls: true });
    expect(after.peerCertificateFingerprint).toBe(info.fingerprint256);
    const starttls = await SmtpWire.connect({ host: '127.0.0.1', port: s.submissionPort });
    await starttls.ehlo();
    await starttls.startTls();
    expect(starttls.peerCertificateFingerprint).toBe(info.fingerprint256);
    // The old session still works.
    await before.ehlo();
    expect((await before.authPlain('alice@example.com', 'alice-pw')).code).toBe(235);
    for (const c of [before, after, starttls]) await c.quit();
  });

  it('logs carry no passwords and no message content', async () => {
    const s = await stack();
    const t = transport(s.submissionsPort, true, 'PLAIN');
    await t.sendMail({
      envelope: { from: 'alice@example.com', to: ['bob@example.com'] },
      raw: message('Canary', 'CANARY-7f3a9 secret words\r\n'),
    });
    t.close();
    const c = await SmtpWire.connect({ host: '127.0.0.1', port: s.submissionsPort, tls: true });
    await c.ehlo();
    await c.authPlain('alice@example.com', 'WRONG-PASSWORD-CANARY');
    await c.quit();
    const all = s.logLines.join('\n');
    expect(all).toMatch(/smtp\.accepted/);
    expect(all).not.toMatch(/CANARY-7f3a9|alice-pw|WRONG-PASSWORD-CANARY/);
  });
});
