import { execFile } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useTmpDir } from '../../helpers/tmp.ts';
import { startRedis, type TestRedis } from '../../support/redis.ts';
import { SmtpWire } from '../../support/smtp-wire.ts';
import { startStack, type Stack } from './harness.ts';

const run = promisify(execFile);
const tmp = useTmpDir('facteur-mx-');
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
  return s;
}

function message(subject: string, body = 'Hello there.\r\n', from = 'carol@remote.org'): Buffer {
  return Buffer.from(
    `From: Carol <${from}>\r\nTo: alice@example.com\r\nSubject: ${subject}\r\nDate: Tue, 2 Jan 2024 09:00:00 +0000\r\n` +
      `Message-ID: <${subject.replace(/\W/g, '')}@remote.org>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}`,
  );
}

describe('MX', () => {
  it('accepts mail for mailboxes, aliases, catch-all and plus-addressing; it comes back byte-identical', async () => {
    const s = await stack();
    s.core.config.setAlias('team@example.com', ['alice@example.com', 'bob@example.com']);
    s.core.config.setAlias('*@example.com', ['bob@example.com']);
    const c = await SmtpWire.connect({ host: '127.0.0.1', port: s.mxPort });
    expect(c.greeting.code).toBe(220);
    const ehlo = await c.ehlo();
    expect(ehlo.lines.join('\n')).toMatch(/STARTTLS/);
    expect(ehlo.lines.join('\n')).toMatch(/SIZE 52428800/);
    expect(ehlo.lines.join('\n')).not.toMatch(/AUTH/);
    const m1 = message('Direct', 'Line one\r\n.leading dot\r\n');
    expect((await c.send('carol@remote.org', ['alice@example.com'], m1)).code).toBe(250);
    const m2 = message('Plus');
    expect((await c.send('carol@remote.org', ['alice+news@example.com'], m2)).code).toBe(250);
    const m3 = message('Team');
    expect((await c.send('carol@remote.org', ['team@example.com'], m3)).code).toBe(250);
    const m4 = message('CatchAll');
    expect((await c.send('', ['whoever@example.com'], m4)).code).toBe(250);
    await c.quit();

    expect(await s.inbox('alice@example.com', 'alice-pw')).toEqual([m1, m2, m3]);
    expect(await s.inbox('bob@example.com', 'bob-pw')).toEqual([m3, m4]);
    expect(s.notified.length).toBeGreaterThanOrEqual(5);
  });

  it('refuses unknown recipients with 550 at RCPT and relaying with 554', async () => {
    const s = await stack();
    const c = await SmtpWire.connect({ host: '127.0.0.1', port: s.mxPort });
    await c.ehlo();
    expect((await c.cmd('MAIL FROM:<carol@remote.org>')).code).toBe(250);
    const unknown = await c.cmd('RCPT TO:<nobody@example.com>');
    expect(unknown.code).toBe(550);
    expect(unknown.text).toMatch(/5\.1\.1/);
    const relay = await c.cmd('RCPT TO:<victim@elsewhere.net>');
    expect(relay.code).toBe(554);
    expect(relay.text).toMatch(/5\.7\.1 Relay access denied/);
    expect((await c.cmd('RCPT TO:<alice@example.com>')).code).toBe(250);
    expect((await c.cmd('DATA')).code).toBe(354);
    await c.write('Subject: x\r\n\r\nhi\r\n.\r\n');
    expect((await c.read()).code).toBe(250);
    await c.quit();
    expect(await s.inbox('alice@example.com', 'alice-pw')).toHaveLength(1);
  });

  it('answers 452 when the mailbox is full', async () => {
    const s = await stack();
    await s.createMailbox('tiny@example.com', 'tiny-pw', 4000);
    const c = await SmtpWire.connect({ host: '127.0.0.1', port: s.mxPort });
    await c.ehlo();
    expect(
      (await c.send('carol@remote.org', ['tiny@example.com'], message('Fill', 'x'.repeat(3000) + '\r\n')))
        .code,
    ).toBe(250);
    const full = await c.send('carol@remote.org', ['tiny@example.com'], message('Overflow'));
    expect(full.code).toBe(452);
    expect(full.text).toMatch(/4\.2\.2/);
    // Declared SIZE larger than what is left: refused at RCPT too.
    await c.cmd('RSET');
    expect((await c.cmd('MAIL FROM:<carol@remote.org> SIZE=100000')).code).toBe(250);
    expect((await c.cmd('RCPT TO:<tiny@example.com>')).code).toBe(452);
    await c.quit();
  });

  it('swaks delivers over STARTTLS and plain text', async () => {
    const s = await stack();
    const file = join(tmp(), 'msg.eml');
    const m = message('Swaks');
    writeFileSync(file, m.subarray(0, -2)); // swaks ends the data with CRLF . CRLF itself
    for (const extra of [['--tls'], []]) {
      const { stdout } = await run('swaks', [
        '--server',
        '127.0.0.1',
        '--port',
        String(s.mxPort),
        '--from',
        'carol@remote.org',
        '--to',
        'alice@example.com',
        '--helo',
        'client.remote.org',
        '--data',
        `@${file}`,
        '--suppress-data',
        ...extra,
      ]);
      expect(stdout).toMatch(/<[-~] +250 OK: message accepted/);
    }
    expect(await s.inbox('alice@example.com', 'alice-pw')).toEqual([m, m]);
  });

  it('refuses a 60 MB message with 552 while serving other clients; nothing is left behind', async () => {
    const s = await stack();
    const big = await SmtpWire.connect({ host: '127.0.0.1', port: s.mxPort });
    await big.ehlo();
    expect((await big.cmd('MAIL FROM:<carol@remote.org>')).code).toBe(250);
    expect((await big.cmd('RCPT TO:<alice@example.com>')).code).toBe(250);
    expect((await big.cmd('DATA')).code).toBe(354);
    const line = Buffer.from('x'.repeat(998) + '\r\n');
    const mb = Buffer.concat(Array.from({ length: 1048 }, () => line)); // ~1 MB
    const bigDone = (async () => {
      await big.write('Subject: huge\r\n\r\n');
      for (let i = 0; i < 60; i++) await big.write(mb);
      await big.write('.\r\n');
      return big.read();
    })();
    // Meanwhile another client gets its mail through.
    const small = await SmtpWire.connect({ host: '127.0.0.1', port: s.mxPort });
    await small.ehlo();
    const m = message('Meanwhile');
    expect((await small.send('carol@remote.org', ['bob@example.com'], m)).code).toBe(250);
    await small.quit();
    const r = await bigDone;
    expect(r.code).toBe(552);
    expect(r.text).toMatch(/5\.3\.4/);
    // The session goes on.
    expect((await big.send('carol@remote.org', ['alice@example.com'], message('After'))).code).toBe(250);
    await big.quit();
    expect(await s.inbox('bob@example.com', 'bob-pw')).toEqual([m]);
    const alice = s.core.config.findMailbox('alice@example.com')!;
    expect(readdirSync(join(s.dataDir, 'spool', alice.id)).filter((n) => n.startsWith('.tmp'))).toEqual([]);
    expect(await s.inbox('alice@example.com', 'alice-pw')).toHaveLength(1);
  }, 120_000);

  it('a client vanishing mid-DATA leaves no partial file and no message', async () => {
    const s = await stack();
    const c = await SmtpWire.connect({ host: '127.0.0.1', port: s.mxPort });
    await c.ehlo();
    expect((await c.cmd('MAIL FROM:<carol@remote.org>')).code).toBe(250);
    expect((await c.cmd('RCPT TO:<alice@example.com>')).code).toBe(250);
    expect((await c.cmd('DATA')).code).toBe(354);
    await c.write('Subject: cut\r\n\r\n' + 'y'.repeat(200_000));
    c.destroy();
    const alice = s.core.config.findMailbox('alice@example.com')!;
    const spoolDir = join(s.dataDir, 'spool', alice.id);
    const list = () => (existsSync(spoolDir) ? readdirSync(spoolDir) : []);
    await new Promise((r) => setTimeout(r, 300));
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && list().length) await new Promise((r) => setTimeout(r, 20));
    expect(list()).toEqual([]);
    const d = await SmtpWire.connect({ host: '127.0.0.1', port: s.mxPort });
    await d.ehlo();
    expect((await d.send('carol@remote.org', ['alice@example.com'], message('Next'))).code).toBe(250);
    await d.quit();
    expect(await s.inbox('alice@example.com', 'alice-pw')).toEqual([message('Next')]);
  });

  it('gives clean errors for malformed commands and invalid UTF-8, and keeps serving', async () => {
    const s = await stack();
    const c = await SmtpWire.connect({ host: '127.0.0.1', port: s.mxPort });
    expect((await c.cmd('EHLO')).code).toBe(501);
    expect((await c.cmd('MAIL FROM:<a@b.c>')).code).toBe(503); // before EHLO
    await c.ehlo();
    expect((await c.cmd('FOO bar')).code).toBe(500);
    expect((await c.cmd('RCPT TO:<alice@example.com>')).code).toBe(503); // before MAIL
    expect((await c.cmd('MAIL FROM:carol')).code).toBeGreaterThanOrEqual(500);
    const badFrom = await c.cmd(
      Buffer.concat([
        Buffer.from('MAIL FROM:<car'),
        Buffer.from([0xff, 0xfe, 0xc3]),
        Buffer.from('ol@remote.org>'),
      ]),
    );
    expect(badFrom.code).toBeGreaterThanOrEqual(500);
    expect(badFrom.code).toBeLessThan(600);
    expect((await c.cmd('MAIL FROM:<carol@remote.org>')).code).toBe(250);
    const badRcpt = await c.cmd(
      Buffer.concat([Buffer.from('RCPT TO:<al'), Buffer.from([0xc0, 0xaf]), Buffer.from('ice@example.com>')]),
    );
    expect(badRcpt.code).toBeGreaterThanOrEqual(500);
    expect((await c.cmd('RCPT TO:<alice@example.com> NOTIFY')).code).toBeGreaterThanOrEqual(500);
    expect((await c.cmd('DATA extra')).code).toBeGreaterThanOrEqual(500);
    expect((await c.cmd(`NOOP ${'x'.repeat(600)}`)).code).toBeGreaterThanOrEqual(250);
    expect((await c.cmd('RCPT TO:<alice@example.com>')).code).toBe(250);
    expect((await c.cmd('DATA')).code).toBe(354);
    // A message body with invalid UTF-8 is stored as bytes.
    const body = Buffer.concat([
      Buffer.from('Subject: bytes\r\n\r\n'),
      Buffer.from([0xff, 0xfe, 0x80, 0x0d, 0x0a]),
    ]);
    await c.write(Buffer.concat([body, Buffer.from('.\r\n')]));
    expect((await c.read()).code).toBe(250);
    await c.quit();
    expect(await s.inbox('alice@example.com', 'alice-pw')).toEqual([body]);
  });

  it('accepts a 100-level nested MIME message without crashing', async () => {
    const s = await stack();
    let mime = 'Content-Type: text/plain\r\n\r\ninnermost part\r\n';
    for (let i = 0; i < 100; i++) {
      mime = `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n${mime}--b${i}--\r\n`;
    }
    const m = Buffer.from(
      `From: carol@remote.org\r\nTo: alice@example.com\r\nSubject: nested\r\nMIME-Version: 1.0\r\n${mime}`,
    );
    const c = await SmtpWire.connect({ host: '127.0.0.1', port: s.mxPort });
    await c.ehlo();
    expect((await c.send('carol@remote.org', ['alice@example.com'], m)).code).toBe(250);
    await c.quit();
    expect(await s.inbox('alice@example.com', 'alice-pw')).toEqual([m]);
  });

  it('serves IPv4 and IPv6 on the same dual-stack listener, and on ::1 explicitly', async () => {
    const s = await stack();
    expect(s.mx.addresses[0]).toMatchObject({ address: '::', family: 'IPv6' });
    for (const host of ['127.0.0.1', '::1']) {
      const c = await SmtpWire.connect({ host, port: s.mxPort });
      await c.ehlo();
      expect((await c.send('carol@remote.org', ['alice@example.com'], message(`Via ${host}`))).code).toBe(
        250,
      );
      await c.quit();
    }
    const v6 = await stack({ hosts: ['::1', '127.0.0.1'] });
    expect(v6.mx.addresses.map((a) => a.family)).toEqual(['IPv6', 'IPv4']);
    const c = await SmtpWire.connect({ host: '::1', port: v6.mx.addresses[0]!.port });
    await c.ehlo();
    expect((await c.send('carol@remote.org', ['alice@example.com'], message('V6'))).code).toBe(250);
    await c.quit();
    expect(await s.inbox('alice@example.com', 'alice-pw')).toHaveLength(2);
  });

  it('forwards to outside addresses go to the outbound queue', async () => {
    const s = await stack();
    s.core.config.setAlias('fwd@example.com', ['alice@example.com', 'someone@elsewhere.net']);
    const c = await SmtpWire.connect({ host: '127.0.0.1', port: s.mxPort });
    await c.ehlo();
    const m = message('Forward me');
    expect((await c.send('carol@remote.org', ['fwd@example.com'], m)).code).toBe(250);
    await c.quit();
    const q = await s.outbound.list();
    expect(q).toHaveLength(1);
    const e = await s.outbound.read(q[0]!.id);
    expect(e.raw.equals(m)).toBe(true);
    expect(e.envelope).toMatchObject({
      mailFrom: 'carol@remote.org',
      rcptTo: ['someone@elsewhere.net'],
      origin: 'forward',
    });
    expect(await s.inbox('alice@example.com', 'alice-pw')).toEqual([m]);
  });
});
