// The whole stack as separate role processes (the dev `stack` command), driven by real clients:
// zero access over data dir + Redis dump + logs, IDLE across processes, the cross-protocol login
// throttle, and a role killed with SIGKILL coming back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';

const MAIN = join(import.meta.dirname, '../../src/run/main.ts');
const offset = 30000 + Math.floor(Math.random() * 5000);
const port = (p: number) => p + offset;
const root = mkdtempSync(join(tmpdir(), 'facteur-stack-'));
const dataDir = join(root, 'data');
const logPath = join(root, 'stack.log');
const password = 'correct horse ' + randomBytes(4).toString('hex');
let stack: ChildProcess;
let ready: { redis: string };
const pids = new Map<string, number>();

function run(args: string[], input?: string): string {
  const res = spawnSync(process.execPath, [MAIN, ...args, '--config', join(root, 'facteur.json')], {
    input,
    encoding: 'utf8',
  });
  if (res.status !== 0) throw new Error(`facteur-server ${args.join(' ')}: ${res.stderr}`);
  return res.stdout;
}

function imap(user = 'alice@one.test', pass = password) {
  return new ImapFlow({
    host: '127.0.0.1',
    port: port(993),
    secure: true,
    tls: { rejectUnauthorized: false },
    auth: { user, pass },
    logger: false,
  });
}

function waitFor<T>(pred: () => T | undefined, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = () => {
      const v = pred();
      if (v !== undefined) return resolve(v);
      if (Date.now() - t0 > ms) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 20);
    };
    tick();
  });
}

beforeAll(async () => {
  writeFileSync(
    join(root, 'facteur.json'),
    JSON.stringify({
      hostname: 'mail.one.test',
      dataDir,
      listen: ['127.0.0.1'],
      portOffset: offset,
      throttle: { maxFailures: 3, windowMs: 60_000, blockMs: 60_000 },
      restartDelayMs: 200,
    }),
  );
  const log = createWriteStream(logPath);
  stack = spawn(process.execPath, [MAIN, 'stack', '--config', join(root, 'facteur.json')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  stack.stderr!.pipe(log);
  let out = '';
  stack.stdout!.on('data', (d: Buffer) => {
    log.write(d);
    out += d.toString();
    for (const line of out.split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        const ev = JSON.parse(line) as { event: string; role?: string; pid?: number; redis?: string };
        if (ev.event === 'stack.role_ready' && ev.role) pids.set(ev.role, ev.pid!);
        if (ev.event === 'stack.ready') ready = { redis: ev.redis! };
      } catch {
        /* partial line */
      }
    }
  });
  // Nine role processes start from TypeScript sources: under a loaded suite that can take a while.
  await waitFor(() => ready, 90_000, 'stack.ready');
  run(['admin', 'add-domain', 'one.test']);
  run(
    [
      'admin',
      'add-mailbox',
      'alice@one.test',
      '--password-stdin',
      '--recovery-public-key',
      writeRecoveryKey(),
    ],
    password + '\n',
  );
  run(['admin', 'add-alias', 'hello@one.test', 'alice@one.test']);
}, 60_000);

function writeRecoveryKey(): string {
  // The owner's recovery key pair lives on the laptop; only its public half reaches the server.
  const script = `import { generateKeyPair } from '${join(import.meta.dirname, '../../src/crypto/hybrid-kem.ts')}';
process.stdout.write(generateKeyPair().publicKey.bytes.toString('base64'));`;
  const res = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  const path = join(root, 'owner-recovery.pub');
  writeFileSync(path, Buffer.from(res.stdout, 'base64'));
  return path;
}

afterAll(async () => {
  if (stack && stack.exitCode === null) {
    const exited = new Promise((r) => stack.once('exit', r));
    stack.kill('SIGTERM');
    await exited;
  }
}, 150_000);

describe('the stack, one process per role', () => {
  const canary = `CANARY-${randomBytes(12).toString('hex')}`;
  let raw: string;

  it('delivers through MX and submission and reads back byte-identical over IMAP', async () => {
    raw = [
      'From: Bob <bob@two.test>',
      'To: hello@one.test',
      `Subject: ${canary} in the subject`,
      `Message-ID: <${randomBytes(6).toString('hex')}@two.test>`,
      'Date: Sat, 28 Nov 2026 10:00:00 +0000',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      `The secret is ${canary}.`,
      '',
    ].join('\r\n');
    const mx = nodemailer.createTransport({
      host: '127.0.0.1',
      port: port(25),
      secure: false,
      tls: { rejectUnauthorized: false },
    });
    const info = await mx.sendMail({ envelope: { from: 'bob@two.test', to: ['hello@one.test'] }, raw });
    expect(info.accepted).toEqual(['hello@one.test']);
    const sub = nodemailer.createTransport({
      host: '127.0.0.1',
      port: port(465),
      secure: true,
      tls: { rejectUnauthorized: false },
      auth: { user: 'alice@one.test', pass: password },
    });
    await sub.sendMail({
      from: 'alice@one.test',
      to: 'alice@one.test',
      subject: 'note to self',
      text: `again ${canary}`,
    });

    const client = imap();
    await client.connect();
    const lock = await client.getMailboxLock('INBOX');
    try {
      const messages = [];
      for await (const m of client.fetch('1:*', { source: true, envelope: true })) messages.push(m);
      expect(messages).toHaveLength(2);
      expect(messages[0]!.source!.toString('utf8')).toContain(raw.slice(0, -2));
      // MX delivers the bytes it received, after the headers it adds (Received, Return-Path...).
      expect(messages[0]!.source!.toString('utf8').endsWith(raw)).toBe(true);
      expect(messages[1]!.envelope?.subject).toBe('note to self');
      const found = await client.search({ body: canary.toLowerCase().slice(0, 14) });
      expect(Array.isArray(found) && found.length).toBeGreaterThan(0);
    } finally {
      lock.release();
      await client.logout();
    }
  });

  it('keeps the canary out of the data directory, the Redis dump and the logs', async () => {
    const redisPort = new URL(ready.redis).port;
    expect(spawnSync('redis-cli', ['-p', redisPort, 'SAVE'], { encoding: 'utf8' }).stdout.trim()).toBe('OK');
    const grep = spawnSync('grep', ['-r', '-a', '-l', '-F', canary, dataDir, logPath], { encoding: 'utf8' });
    expect(grep.stdout).toBe('');
    expect(grep.status).toBe(1); // 1 = searched everything, found nothing
    // The search covered a real Redis dump and real logs.
    expect(spawnSync('ls', [join(dataDir, 'redis', 'dump.rdb')]).status).toBe(0);
  });

  it('lets nobody in without the password', async () => {
    expect(await imapLogin('127.0.0.9', 'alice@one.test', 'wrong password')).toMatch(/^a NO /);
    expect(await pop3Login('127.0.0.9', 'alice@one.test', 'wrong password')).toMatch(/^-ERR/);
  });

  it('shows mail delivered by the MX process to an IMAP client in IDLE within a second', async () => {
    const client = imap();
    await client.connect();
    await client.mailboxOpen('INBOX');
    const seen = new Promise<number>((resolve) =>
      client.on('exists', (d: { count: number }) => resolve(d.count)),
    );
    const idling = client.idle();
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    const mx = nodemailer.createTransport({
      host: '127.0.0.1',
      port: port(25),
      secure: false,
      tls: { rejectUnauthorized: false },
    });
    await mx.sendMail({
      from: 'carol@three.test',
      to: 'alice@one.test',
      subject: 'while idle',
      text: 'ping',
    });
    const sent = Date.now();
    expect(await seen).toBe(3);
    expect(Date.now() - sent).toBeLessThan(1000);
    expect(Date.now() - t0).toBeLessThan(5000);
    await client.logout().catch(() => undefined);
    await idling.catch(() => undefined);
  });

  it('counts failed logins per IP across IMAP, SMTP and POP3 together', async () => {
    const from = '127.0.0.7';
    for (let i = 0; i < 3; i++) expect(await imapLogin(from, 'alice@one.test', 'nope')).toMatch(/^a NO /);
    // Now SMTP submission from the same address is refused, even with the right password...
    const sub = nodemailer.createTransport({
      host: '127.0.0.1',
      port: port(465),
      secure: true,
      localAddress: from,
      tls: { rejectUnauthorized: false },
      auth: { user: 'alice@one.test', pass: password },
    } as Parameters<typeof nodemailer.createTransport>[0]);
    await expect(sub.sendMail({ from: 'alice@one.test', to: 'alice@one.test', text: 'x' })).rejects.toThrow(
      /4\d\d/,
    );
    // ...and so is POP3.
    const reply = await pop3Login(from, 'alice@one.test', password);
    expect(reply).toMatch(/^-ERR/);
    // Another address is not affected.
    expect(await pop3Login('127.0.0.8', 'alice@one.test', password)).toMatch(/^\+OK/);
  });

  it('brings a role killed with SIGKILL back, and it serves again', async () => {
    const old = pids.get('imap')!;
    process.kill(old, 'SIGKILL');
    await waitFor(() => (pids.get('imap') !== old ? true : undefined), 15_000, 'imap restart');
    const client = imap();
    await client.connect();
    const status = await client.status('INBOX', { messages: true });
    expect(status && status.messages).toBe(3);
    await client.logout();
  });
});

/** A TLS connection to the stack from a chosen local address (the throttle counts per IP). */
function fromAddress(portNumber: number, localAddress: string): TLSSocket {
  return tlsConnect({
    socket: netConnect({ host: '127.0.0.1', port: portNumber, localAddress }),
    rejectUnauthorized: false,
  });
}

/** One exchange per line over implicit TLS from a chosen source address (the throttle counts per IP). */
function converse(
  portNumber: number,
  localAddress: string,
  lines: string[],
  done: (line: string) => boolean,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = fromAddress(portNumber, localAddress);
    let buf = '';
    const queue = [...lines];
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        if (done(line)) {
          sock.destroy();
          return resolve(line);
        }
        const next = queue.shift();
        if (next !== undefined) sock.write(next + '\r\n');
      }
    });
    sock.on('error', reject);
  });
}

function imapLogin(localAddress: string, user: string, pass: string): Promise<string> {
  return converse(port(993), localAddress, [`a LOGIN "${user}" "${pass}"`], (line) => line.startsWith('a '));
}

function pop3Login(localAddress: string, user: string, pass: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = fromAddress(port(995), localAddress);
    let buf = '';
    let step = 0;
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      buf += d;
      if (!buf.endsWith('\r\n')) return;
      const line = buf.trim();
      buf = '';
      if (step === 0) sock.write(`USER ${user}\r\n`);
      else if (step === 1) sock.write(`PASS ${pass}\r\n`);
      else {
        sock.end('QUIT\r\n');
        resolve(line);
      }
      step++;
    });
    sock.on('error', reject);
  });
}
