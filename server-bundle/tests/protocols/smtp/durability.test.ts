// "Nothing accepted is lost": the MX role runs as its own Node 24 process; 4 connections stream
// messages; the process is SIGKILLed mid-stream (twice), restarted, and the mailbox opened with its
// password must hold exactly the messages that got a 250 (plus, at most, one in-flight message per
// connection whose 250 was lost with the process), each byte-identical.
// A second test traces the role with strace and checks, for every acknowledged message, that the
// spool file was fsynced, renamed into place and its directory fsynced BEFORE the 250 was written.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MailCore } from '../../../src/domain/mail-core.ts';
import { newCore, TEST_KDF } from '../../helpers/core.ts';
import { useTmpDir } from '../../helpers/tmp.ts';
import { startRedis, type TestRedis } from '../../support/redis.ts';
import { SmtpWire } from '../../support/smtp-wire.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/smtp-role-process.ts', import.meta.url));
const tmp = useTmpDir('facteur-durability-');
let redis: TestRedis;
const children: ChildProcess[] = [];

beforeAll(async () => {
  redis = await startRedis();
});
afterEach(() => {
  for (const c of children.splice(0))
    if (c.pid && c.exitCode === null && c.signalCode === null) process.kill(c.pid, 'SIGKILL');
});
afterAll(async () => {
  await redis?.stop();
});

interface Role {
  child: ChildProcess;
  /** pid of the node process (differs from child.pid under strace) */
  pid: number;
  port: number;
  stderr: string[];
  exited: Promise<void>;
}

async function spawnRole(
  dataDir: string,
  opts: { port?: number; strace?: string; logLevel?: string } = {},
): Promise<Role> {
  const env = {
    ...process.env,
    FACTEUR_DATA_DIR: dataDir,
    FACTEUR_ROLE: 'mx',
    FACTEUR_REDIS_PORT: String(redis.port),
    FACTEUR_PORT: String(opts.port ?? 0),
    FACTEUR_LOG_LEVEL: opts.logLevel ?? 'warn',
  };
  const node = [process.execPath, FIXTURE];
  const argv = opts.strace
    ? [
        'strace',
        '-f',
        '-ttt',
        '-T',
        '-y',
        '-s',
        '120',
        '-e',
        'trace=fsync,fdatasync,rename,renameat,renameat2,write,writev',
        '-o',
        opts.strace,
        ...node,
      ]
    : node;
  const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const stderr: string[] = [];
  let errBuf = '';
  child.stderr!.on('data', (d: Buffer) => {
    errBuf += d.toString();
    const lines = errBuf.split('\n');
    errBuf = lines.pop()!;
    stderr.push(...lines);
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const ready = await new Promise<{ pid: number; ports: number[] }>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`role not ready: ${stderr.join('\n')}`)), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(JSON.parse(out.slice(0, nl)) as { pid: number; ports: number[] });
      }
    });
    child.once('exit', (code) => reject(new Error(`role exited (${code}): ${stderr.join('\n')}`)));
  });
  return { child, pid: ready.pid, port: ready.ports[0]!, stderr, exited };
}

function testMessage(n: number, size: number): Buffer {
  const body = randomBytes(Math.ceil((size * 3) / 4))
    .toString('base64')
    .replace(/.{76}/g, '$&\r\n');
  return Buffer.from(
    `From: load@remote.org\r\nTo: alice@example.com\r\nSubject: durability ${n}\r\nX-Test-Id: ${n}\r\n` +
      `Message-ID: <d${n}@remote.org>\r\n\r\n${body}\r\n`,
  );
}

async function prepare(): Promise<string> {
  const dataDir = tmp();
  const { core, recovery } = await newCore(dataDir);
  await core.accounts.createMailbox({
    address: 'alice@example.com',
    password: 'alice-pw',
    recoveryPublicKey: recovery.publicKey.bytes,
  });
  core.close();
  return dataDir;
}

interface Outcome {
  acked: Set<number>;
  inFlight: Set<number>;
  refused: number;
}

/** 4 connections, each sending messages back to back, writing DATA in small pieces. */
function load(
  port: number,
  sent: Map<number, Buffer>,
  next: { n: number },
  outcome: Outcome,
  stop: { now: boolean },
) {
  const one = async () => {
    let c: SmtpWire;
    try {
      c = await SmtpWire.connect({ host: '127.0.0.1', port });
      await c.ehlo();
    } catch {
      return;
    }
    try {
      while (!stop.now) {
        const n = next.n++;
        const m = testMessage(n, 20_000 + ((n * 7919) % 280_000));
        sent.set(n, m);
        outcome.inFlight.add(n);
        if ((await c.cmd('MAIL FROM:<load@remote.org>')).code !== 250) throw new Error('MAIL refused');
        if ((await c.cmd('RCPT TO:<alice@example.com>')).code !== 250) throw new Error('RCPT refused');
        if ((await c.cmd('DATA')).code !== 354) throw new Error('DATA refused');
        const payload = Buffer.from(m.toString('latin1').replace(/(^|\r\n)\./g, '$1..') + '.\r\n', 'latin1');
        for (let off = 0; off < payload.length; off += 16_384)
          await c.write(payload.subarray(off, off + 16_384));
        const r = await c.read();
        outcome.inFlight.delete(n);
        if (r.code === 250) outcome.acked.add(n);
        else outcome.refused++;
      }
      await c.quit();
    } catch {
      c.destroy(); // the server went away: whatever is in flight has no 250
    }
  };
  return Promise.all([one(), one(), one(), one()]);
}

async function mailboxContents(dataDir: string) {
  const core = await MailCore.open({ dataDir, kdfCost: TEST_KDF });
  try {
    const s = await core.openSession('alice@example.com', 'alice-pw');
    try {
      const inbox = s.view.getFolder('INBOX')!.id;
      const msgs = s.view.uids(inbox).map((uid) => s.view.readRaw(inbox, uid)!);
      const leftInSpool = await core.spool.list(s.mailbox.id);
      return { msgs, leftInSpool };
    } finally {
      s.close();
    }
  } finally {
    core.close();
  }
}

describe('durability of accepted mail', () => {
  it('SIGKILL mid-stream loses nothing that got a 250; nothing is corrupt', async () => {
    const dataDir = await prepare();
    const sent = new Map<number, Buffer>();
    const next = { n: 1 };
    const outcome: Outcome = { acked: new Set(), inFlight: new Set(), refused: 0 };
    let lostInFlight = new Set<number>();
    let port = 0;
    for (let round = 0; round < 2; round++) {
      const role = await spawnRole(dataDir, { port });
      port = role.port;
      const stop = { now: false };
      const running = load(role.port, sent, next, outcome, stop);
      const ackedBefore = outcome.acked.size;
      // Kill once messages are flowing, at a moment unrelated to message boundaries.
      const deadline = Date.now() + 10_000;
      while (outcome.acked.size - ackedBefore < 25 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 40)));
      process.kill(role.pid, 'SIGKILL');
      await role.exited;
      stop.now = true;
      await running;
      lostInFlight = new Set([...lostInFlight, ...outcome.inFlight]);
      outcome.inFlight.clear();
    }
    // Restart: the role serves again on the same data directory.
    const role = await spawnRole(dataDir, { port });
    const after = await SmtpWire.connect({ host: '127.0.0.1', port: role.port });
    await after.ehlo();
    const last = testMessage(0, 5000);
    sent.set(0, last);
    expect((await after.send('load@remote.org', ['alice@example.com'], last)).code).toBe(250);
    outcome.acked.add(0);
    await after.quit();

    const { msgs, leftInSpool } = await mailboxContents(dataDir);
    process.kill(role.pid, 'SIGTERM');
    await role.exited;

    const found = new Map<number, number>();
    let corrupt = 0;
    for (const raw of msgs) {
      const id = Number(/^X-Test-Id: (\d+)\r$/m.exec(raw.toString('latin1'))?.[1]);
      found.set(id, (found.get(id) ?? 0) + 1);
      if (!sent.get(id)?.equals(raw)) corrupt++;
    }
    const missing = [...outcome.acked].filter((id) => !found.has(id));
    const extra = [...found.keys()].filter((id) => !outcome.acked.has(id));
    const duplicates = [...found.values()].filter((c) => c > 1).length;
    const report = {
      sent: sent.size,
      acked: outcome.acked.size,
      inFlightAtKill: lostInFlight.size,
      stored: msgs.length,
      missing: missing.length,
      extraUnacked: extra.length,
      corrupt,
      duplicates,
      leftInSpool: leftInSpool.length,
      bytesAcked: [...outcome.acked].reduce((a, id) => a + sent.get(id)!.length, 0),
    };
    console.log('durability', JSON.stringify(report));
    expect(outcome.acked.size).toBeGreaterThanOrEqual(50);
    expect(missing).toEqual([]);
    expect(corrupt).toBe(0);
    expect(duplicates).toBe(0);
    expect(leftInSpool).toEqual([]);
    // A stored message without a 250 can only be one that was in flight when the process died
    // (durable on disk, reply not yet written or not yet read by the client).
    for (const id of extra) expect(lostInFlight.has(id)).toBe(true);
  }, 120_000);

  it('strace: spool file fsync, rename and directory fsync all happen before the 250 is written', async () => {
    const dataDir = await prepare();
    const trace = join(tmp(), 'strace.txt');
    const role = await spawnRole(dataDir, { strace: trace, logLevel: 'debug' });
    const sent = new Map<number, Buffer>();
    const outcome: Outcome = { acked: new Set(), inFlight: new Set(), refused: 0 };
    const stop = { now: false };
    const next = { n: 1 };
    const running = load(role.port, sent, next, outcome, stop);
    while (outcome.acked.size < 24) await new Promise((r) => setTimeout(r, 10));
    stop.now = true;
    await running;
    process.kill(role.pid, 'SIGTERM');
    await role.exited;

    // tx -> spool ids, from the role's debug log.
    const stored = new Map<string, string[]>();
    for (const l of role.stderr) {
      if (!l.startsWith('{')) continue;
      const e = JSON.parse(l) as { event: string; tx?: string; spoolIds?: string[] };
      if (e.event === 'smtp.stored') stored.set(e.tx!, e.spoolIds!);
    }
    const ev = parseStrace(readFileSync(trace, 'utf8'));
    let checked = 0;
    for (const [tx, ids] of stored) {
      const reply = ev.replies.get(tx);
      expect(reply, `250 for ${tx} written`).toBeDefined();
      for (const id of ids) {
        const synced = ev.fileSyncs.get(id);
        const renamed = ev.renames.get(id);
        expect(synced, `fsync of ${id}`).toBeDefined();
        expect(renamed, `rename of ${id}`).toBeDefined();
        expect(synced!.end).toBeLessThanOrEqual(renamed!.start);
        const dirSync = ev.dirSyncs.find(
          (d) => renamed!.path.startsWith(d.path + '/') && d.start >= renamed!.end && d.end <= reply!.start,
        );
        expect(dirSync, `directory fsync after rename of ${id} and before its 250`).toBeDefined();
        expect(renamed!.end).toBeLessThanOrEqual(reply!.start);
        checked++;
      }
    }
    console.log(
      'strace',
      JSON.stringify({
        messagesChecked: checked,
        replies250: ev.replies.size,
        fileFsyncs: ev.fileSyncs.size,
        dirFsyncs: ev.dirSyncs.length,
      }),
    );
    expect(checked).toBe(outcome.acked.size);
    expect(checked).toBeGreaterThanOrEqual(24);
  }, 120_000);
});

interface Call {
  start: number;
  end: number;
  path: string;
}

/** Reads `strace -f -ttt -T -y` output, joining "<unfinished ...>" / "resumed" halves per thread. */
function parseStrace(text: string) {
  const fileSyncs = new Map<string, Call>();
  const renames = new Map<string, Call>();
  const dirSyncs: Call[] = [];
  const replies = new Map<string, Call>();
  const pending = new Map<string, { ts: number; head: string }>();
  for (const line of text.split('\n')) {
    const m = /^(\d+) +(\d+\.\d+) (.*)$/.exec(line);
    if (!m) continue;
    const [, pid, tsText, restRaw] = m;
    const ts = Number(tsText);
    let rest = restRaw!;
    let start = ts;
    if (rest.endsWith('<unfinished ...>')) {
      pending.set(pid!, { ts, head: rest.slice(0, -'<unfinished ...>'.length).trimEnd() });
      continue;
    }
    const resumed = /^<\.\.\. \w+ resumed>(.*)$/.exec(rest);
    if (resumed) {
      const p = pending.get(pid!);
      if (!p) continue;
      pending.delete(pid!);
      rest = p.head + resumed[1];
      start = p.ts;
    }
    const dur = Number(/<(\d+\.\d+)>$/.exec(rest)?.[1] ?? 0);
    const end = resumed ? ts : ts + dur;
    let g: RegExpExecArray | null;
    if ((g = /^fsync\(\d+<([^>]+)>\) = 0/.exec(rest))) {
      const path = g[1]!;
      const tmp = /\/\.tmp-([0-9a-z]{11}-[0-9a-f]{16})$/.exec(path);
      if (tmp) fileSyncs.set(tmp[1]!, { start, end, path });
      else if (/\/spool\/[^/]+$/.test(path)) dirSyncs.push({ start, end, path });
    } else if (
      (g =
        /^rename(?:at2?)?\(.*"([^"]*\/\.tmp-([0-9a-z]{11}-[0-9a-f]{16}))", (?:[^,]+, )?"([^"]+\.sealed)".*\) = 0/.exec(
          rest,
        ))
    ) {
      renames.set(g[2]!, { start, end, path: g[3]! });
    } else if (
      (g = /^writev?\(\d+<(?:TCP|TCPv6|socket)[^>]*>, .*"250 OK: message accepted ([0-9a-f]{12})\\r\\n"/.exec(
        rest,
      ))
    ) {
      replies.set(g[1]!, { start, end, path: 'socket' });
    }
  }
  return { fileSyncs, renames, dirSyncs, replies };
}
