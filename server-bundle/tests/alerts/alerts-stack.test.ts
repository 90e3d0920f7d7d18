// Alerts in the development stack (one process per role, Redis, as containers run in
// production): a role that hangs (SIGSTOP: its heartbeat stops) produces exactly one email in the
// owner's mailbox, read over IMAP; SIGCONT produces exactly one more; a jobs role killed and
// restarted by the supervisor in between sends nothing again.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair } from '../../src/crypto/hybrid-kem.ts';
import { ROLES } from '../../src/run/server-config.ts';
import { http } from '../control/http-client.ts';

const MAIN = join(import.meta.dirname, '../../src/run/main.ts');
const offset = 40000 + Math.floor(Math.random() * 5000);
const root = mkdtempSync(join(tmpdir(), 'facteur-alerts-stack-'));
const dataDir = join(root, 'data');
const password = `alerts-pw-${randomBytes(8).toString('hex')}`;
const OWNER = 'owner@alerts.test';
let stack: ChildProcess;
let output = '';
let base: string;
let token: string;
const pids = new Map<string, number>();
let stopped: number | undefined;

const call = (method: string, path: string, body?: unknown) =>
  http(base, method, path, { token, ...(body !== undefined ? { body } : {}) });

async function waitFor<T>(fn: () => Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}\n${output.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function subjects(): Promise<string[]> {
  const c = new ImapFlow({
    host: '127.0.0.1',
    port: 993 + offset,
    secure: true,
    tls: { rejectUnauthorized: false },
    auth: { user: OWNER, pass: password },
    logger: false,
  });
  await c.connect();
  const out: string[] = [];
  const lock = await c.getMailboxLock('INBOX');
  try {
    if (c.mailbox && c.mailbox.exists)
      for await (const m of c.fetch('1:*', { envelope: true })) out.push(m.envelope?.subject ?? '');
  } finally {
    lock.release();
    await c.logout();
  }
  return out;
}

/** Waits for `n` alert rounds of the jobs role, through GET /v1/alerts. */
async function rounds(n: number): Promise<void> {
  let last = (await call('GET', '/v1/alerts')).json.evaluatedAt as string | null;
  for (let seen = 0; seen < n;) {
    const at = await waitFor(
      async () => {
        const now = (await call('GET', '/v1/alerts')).json.evaluatedAt as string | null;
        return now !== last ? now : undefined;
      },
      10_000,
      'an alert round',
    );
    last = at;
    seen++;
  }
}

beforeAll(async () => {
  writeFileSync(
    join(root, 'facteur.json'),
    JSON.stringify({
      hostname: 'mail.alerts.test',
      dataDir,
      listen: ['127.0.0.1'],
      portOffset: offset,
      restartDelayMs: 300,
      heartbeatMs: 100,
      metrics: { intervalMs: 1_000 },
      alerts: { intervalMs: 200, roleDownAfterMs: 800, diskPercent: 100, blocklists: [] },
    }),
  );
  stack = spawn(process.execPath, [MAIN, 'stack', '--config', join(root, 'facteur.json')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  stack.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  stack.stdout!.on('data', (d: Buffer) => {
    output += d.toString();
    for (const line of output.split('\n')) {
      if (!line.startsWith('{"event":"stack.role_ready"')) continue;
      try {
        const ev = JSON.parse(line) as { role: string; pid: number };
        pids.set(ev.role, ev.pid);
      } catch {
        /* partial line */
      }
    }
  });
  await waitFor(async () => (ROLES.every((r) => pids.has(r)) ? true : undefined), 60_000, 'roles ready');
  base = `http://127.0.0.1:${8025 + offset}`;
  token = readFileSync(join(dataDir, 'control-token'), 'utf8').trim();
}, 90_000);

afterAll(async () => {
  if (stopped) process.kill(stopped, 'SIGCONT');
  if (stack && stack.exitCode === null) {
    const exited = new Promise((r) => stack.once('exit', r));
    stack.kill('SIGTERM');
    await exited;
  }
  rmSync(root, { recursive: true, force: true });
});

describe('alerts in the stack', () => {
  it('a hung role: one email when it goes down, one when it is back, none after a jobs restart', async () => {
    expect((await call('POST', '/v1/domains', { name: 'alerts.test' })).status).toBe(201);
    const m = await call('POST', '/v1/mailboxes', {
      address: OWNER,
      password,
      recoveryPublicKey: generateKeyPair().publicKey.bytes.toString('base64'),
    });
    expect(m.status).toBe(201);
    expect((await call('PUT', '/v1/alerts/settings', { to: [OWNER] })).json).toEqual({ to: [OWNER] });
    await waitFor(
      async () => {
        const roles = (await call('GET', '/v1/health')).json.roles as Array<{ status: string }>;
        return roles.every((r) => r.status === 'up') ? true : undefined;
      },
      20_000,
      'every role up',
    );
    await rounds(3);
    expect(await subjects()).toEqual([]);

    const pid = pids.get('pop3')!;
    process.kill(pid, 'SIGSTOP');
    stopped = pid;
    const down = await waitFor(
      async () => ((await subjects()).length ? await subjects() : undefined),
      15_000,
      'the down email',
    );
    expect(down).toEqual(['[mail.alerts.test] The pop3 role is down']);
    const alerts = (await call('GET', '/v1/alerts')).json as {
      conditions: Array<{ id: string; status: string; lastSent: { kind: string } | null }>;
    };
    expect(alerts.conditions.find((c) => c.id === 'role:pop3')).toMatchObject({
      status: 'alert',
      lastSent: { kind: 'alert' },
    });

    // The jobs role crashes and the supervisor starts it again: the state is in Redis, no resend.
    const jobsPid = pids.get('jobs')!;
    process.kill(jobsPid, 'SIGKILL');
    await waitFor(
      async () => (pids.get('jobs') !== jobsPid ? true : undefined),
      20_000,
      'the jobs role restarted',
    );
    await rounds(4);
    expect(await subjects()).toHaveLength(1);

    process.kill(pid, 'SIGCONT');
    stopped = undefined;
    const back = await waitFor(
      async () => {
        const s = await subjects();
        return s.length >= 2 ? s : undefined;
      },
      15_000,
      'the back email',
    );
    expect(back).toEqual([
      '[mail.alerts.test] The pop3 role is down',
      '[mail.alerts.test] The pop3 role is back',
    ]);
    await rounds(4);
    expect(await subjects()).toHaveLength(2);
  }, 120_000);
});
