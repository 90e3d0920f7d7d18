// New mail and changes reach a client in IDLE: delivered through the spool by this process or by
// another process (SMTP has no key: it seals, then publishes on Redis), and flag changes /
// expunges made by another connection, in this process or in a second IMAP process.
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { message, PASSWORD, must, startMailStack, type MailStack } from '../mail-stack.ts';

const here = dirname(fileURLToPath(import.meta.url));
const OTHER = join(here, 'fixtures', 'other-process.ts');

let stack: MailStack;
const children: ChildProcess[] = [];

beforeAll(async () => {
  stack = await startMailStack();
});

afterAll(async () => {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null && c.pid) {
      const exited = new Promise((r) => c.once('exit', r));
      process.kill(c.pid, 'SIGTERM');
      await exited;
    }
  }
  await stack?.stop();
});

function client(port = stack.port('imap', 'implicit')): ImapFlow {
  return new ImapFlow({
    host: '127.0.0.1',
    port,
    secure: true,
    tls: { rejectUnauthorized: false },
    auth: { user: 'alice@example.com', pass: PASSWORD },
    logger: false,
    disableAutoIdle: true,
  });
}

/** Resolves with the event payload, or rejects after ms. */
function next<T>(c: ImapFlow, event: string, ms = 3000): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${event} within ${ms} ms`)), ms);
    c.once(event, (v: T) => {
      clearTimeout(t);
      resolve(v);
    });
  });
}

function runOther(args: string[]): ChildProcess {
  const child = spawn(process.execPath, [OTHER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return child;
}

function firstLine(child: ChildProcess): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => {
      out += d;
      const i = out.indexOf('\n');
      if (i >= 0) resolve(JSON.parse(out.slice(0, i)));
    });
    child.once('exit', (code) => reject(new Error(`child exited ${code}: ${err}`)));
  });
}

describe('IMAP IDLE', () => {
  it('a message delivered through the spool shows up in IDLE within 1 s', async () => {
    const a = client();
    await a.connect();
    await a.mailboxOpen('INBOX');
    void a.idle();
    await new Promise((r) => setTimeout(r, 100)); // IDLE is on
    const t0 = performance.now();
    const exists = next<{ count: number; prevCount: number }>(a, 'exists');
    await stack.deliver('alice@example.com', message('Idle one', 'hello while idling'));
    const e = await exists;
    const ms = performance.now() - t0;
    expect(e.count).toBe(e.prevCount + 1);
    expect(ms).toBeLessThan(1000);
    const m = await a.fetchOne('*', { envelope: true });
    expect(must(m).envelope!.subject).toBe('Idle one');
    await a.logout();
  });

  it('a message delivered by another process (SMTP-like, no key) shows up in IDLE within 1 s', async () => {
    const a = client();
    await a.connect();
    const box = { exists: (await a.mailboxOpen('INBOX')).exists }; // imapflow keeps updating its own object
    void a.idle();
    await new Promise((r) => setTimeout(r, 100));
    const exists = next<{ count: number }>(a, 'exists', 5000);
    const child = runOther([
      'deliver',
      stack.dataDir,
      String(stack.redis.port),
      'alice@example.com',
      message('From afar', 'other process').toString('base64'),
    ]);
    const done = await firstLine(child);
    const e = await exists;
    const ms = Date.now() - done.at!;
    expect(e.count).toBe(box.exists + 1);
    expect(ms).toBeLessThan(1000);
    const m = await a.fetchOne('*', { envelope: true, source: true });
    expect(must(m).envelope!.subject).toBe('From afar');
    expect(must(m).source!.equals(message('From afar', 'other process'))).toBe(true);
    await a.logout();
  });

  it('flag changes and expunges by another connection reach the IDLE connection', async () => {
    const a = client();
    const b = client();
    await a.connect();
    await b.connect();
    await b.append('INBOX', message('to flag', 'x'));
    await b.append('INBOX', message('to delete', 'y'));
    const box = { exists: (await a.mailboxOpen('INBOX')).exists }; // imapflow keeps updating its own object
    void a.idle();
    await b.mailboxOpen('INBOX');
    await new Promise((r) => setTimeout(r, 100));

    const flags = next<{ seq: number; flags: Set<string> }>(a, 'flags');
    await b.messageFlagsAdd(String(box.exists - 1), ['\\Flagged']);
    const f = await flags;
    expect(f.seq).toBe(box.exists - 1);
    expect([...f.flags]).toContain('\\Flagged');

    const expunge = next<{ seq: number }>(a, 'expunge');
    await b.messageDelete(String(box.exists));
    expect((await expunge).seq).toBe(box.exists);
    await a.logout();
    await b.logout();
  });

  it('changes made through a second IMAP process reach IDLE connections of this one', async () => {
    const child = runOther(['imap', stack.dataDir, String(stack.redis.port)]);
    const { port } = await firstLine(child);
    const a = client();
    const b = client(port);
    await a.connect();
    await b.connect();
    const box = { exists: (await a.mailboxOpen('INBOX')).exists }; // imapflow keeps updating its own object
    void a.idle();
    await new Promise((r) => setTimeout(r, 100));

    const exists = next<{ count: number }>(a, 'exists');
    await b.append('INBOX', message('appended elsewhere', 'z'));
    expect((await exists).count).toBe(box.exists + 1);

    await b.mailboxOpen('INBOX');
    const flags = next<{ seq: number; flags: Set<string> }>(a, 'flags');
    await b.messageFlagsAdd(String(box.exists + 1), ['\\Answered']);
    expect([...(await flags).flags]).toContain('\\Answered');
    await a.logout();
    await b.logout();
  });
});
