// The control and jobs roles in the development stack (one process per role, as containers are in
// production): the API administers the running stack, health follows a role killed with SIGKILL
// (down, then up with one restart), the metrics record it, and the logs hold no password.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair } from '../../src/crypto/hybrid-kem.ts';
import { http } from './http-client.ts';

const MAIN = join(import.meta.dirname, '../../src/run/main.ts');
const offset = 45000 + Math.floor(Math.random() * 5000);
const root = mkdtempSync(join(tmpdir(), 'facteur-control-stack-'));
const dataDir = join(root, 'data');
const password = `stack-pw-${randomBytes(8).toString('hex')}`;
let stack: ChildProcess;
let output = '';
let base: string;
let token: string;
const pids = new Map<string, number>();
const ROLES_HERE = ['mx', 'submission', 'imap', 'pop3', 'control', 'jobs'];

const call = (method: string, path: string, body?: unknown) =>
  http(base, method, path, { token, ...(body !== undefined ? { body } : {}) });

async function waitFor<T>(
  fn: () => Promise<T | undefined> | T | undefined,
  ms: number,
  what: string,
  everyMs = 20,
): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

beforeAll(async () => {
  writeFileSync(
    join(root, 'facteur.json'),
    JSON.stringify({
      hostname: 'mail.ctl.test',
      dataDir,
      listen: ['127.0.0.1'],
      portOffset: offset,
      restartDelayMs: 300,
      heartbeatMs: 100,
      logLevel: 'debug',
      metrics: { intervalMs: 100, tiers: { fine: { stepMs: 100, keepMs: 600_000 } } },
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
  // The roles this test is about (other roles of the stack may still be starting).
  await waitFor(() => (ROLES_HERE.every((r) => pids.has(r)) ? true : undefined), 45_000, 'roles ready', 50);
  base = `http://127.0.0.1:${8025 + offset}`;
  token = readFileSync(join(dataDir, 'control-token'), 'utf8').trim();
}, 60_000);

afterAll(async () => {
  if (stack && stack.exitCode === null) {
    const exited = new Promise((r) => stack.once('exit', r));
    stack.kill('SIGTERM');
    await exited;
  }
  rmSync(root, { recursive: true, force: true });
});

describe('control and jobs roles in the stack', () => {
  it('reports every role up, listens on 127.0.0.1 only', async () => {
    const mine = ROLES_HERE;
    const h = await waitFor(
      async () => {
        const r = await call('GET', '/v1/health');
        const up =
          (r.json?.roles as Array<{ role: string; status: string }> | undefined)
            ?.filter((x) => x.status === 'up')
            .map((x) => x.role) ?? [];
        return mine.every((m) => up.includes(m)) ? r.json : undefined;
      },
      10_000,
      'the roles up',
    );
    expect(h.redis).toBe('up');
    expect(h.roles.map((r: { role: string }) => r.role)).toEqual(expect.arrayContaining(mine));
    const port = Number(new URL(base).port);
    const refused = await new Promise<string>((resolve) => {
      const s = connect({ host: '127.0.0.2', port });
      s.once('connect', () => (s.destroy(), resolve('connected')));
      s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
  });

  it('creates a domain and a mailbox that the IMAP role serves; mail and a failed login are counted', async () => {
    expect((await call('POST', '/v1/domains', { name: 'ctl.test' })).status).toBe(201);
    const owner = generateKeyPair();
    const m = await call('POST', '/v1/mailboxes', {
      address: 'alice@ctl.test',
      password,
      recoveryPublicKey: owner.publicKey.bytes.toString('base64'),
    });
    expect(m.status).toBe(201);
    const mx = nodemailer.createTransport({
      host: '127.0.0.1',
      port: 25 + offset,
      secure: false,
      tls: { rejectUnauthorized: false },
    });
    await mx.sendMail({
      from: 'bob@far.test',
      to: 'alice@ctl.test',
      subject: 'hello',
      text: 'through the stack',
    });
    const imap = (pass: string) =>
      new ImapFlow({
        host: '127.0.0.1',
        port: 993 + offset,
        secure: true,
        tls: { rejectUnauthorized: false },
        auth: { user: 'alice@ctl.test', pass },
        logger: false,
      });
    const bad = imap('wrong password');
    await expect(bad.connect()).rejects.toThrow();
    bad.close();
    const client = imap(password);
    await client.connect();
    const status = await client.status('INBOX', { messages: true });
    expect(status && status.messages).toBe(1);
    await client.logout();
    const totals = await waitFor(
      async () => {
        const r = await call('GET', '/v1/metrics?series=messages_in,logins_failed&range=10m');
        const sum = (n: string) =>
          (r.json.series[n].points as Array<{ v: number }>).reduce((a, p) => a + p.v, 0);
        return sum('messages_in') >= 1 && sum('logins_failed') >= 1
          ? { in: sum('messages_in'), failed: sum('logins_failed') }
          : undefined;
      },
      5_000,
      'counters in the metrics',
      100,
    );
    expect(totals).toEqual({ in: 1, failed: 1 });
  });

  it('shows a killed role down, then up again with one restart, in the health and the metrics', async () => {
    const t0 = Date.now();
    process.kill(pids.get('imap')!, 'SIGKILL');
    const imapState = async () =>
      (
        (await call('GET', '/v1/health')).json.roles as Array<{
          role: string;
          status: string;
          restarts: number;
        }>
      ).find((r) => r.role === 'imap')!;
    const down = await waitFor(
      async () => ((await imapState()).status === 'down' ? Date.now() - t0 : undefined),
      10_000,
      'imap down',
    );
    const up = await waitFor(
      async () => {
        const s = await imapState();
        return s.status === 'up' && s.restarts === 1 ? Date.now() - t0 : undefined;
      },
      20_000,
      'imap up again',
    );
    const series = await waitFor(
      async () => {
        const r = await call('GET', '/v1/metrics?series=role.imap.*&range=5m&points=2000');
        expect(r.status).toBe(200);
        const upPoints = r.json.series['role.imap.up'].points as Array<{
          t: number;
          v: number;
          min: number;
          max: number;
        }>;
        const restarts = (r.json.series['role.imap.restarts'].points as Array<{ v: number }>).reduce(
          (a, p) => a + p.v,
          0,
        );
        const last = upPoints.at(-1);
        return upPoints.some((p) => p.min === 0) && last?.v === 1 && restarts === 1
          ? { upPoints, restarts }
          : undefined;
      },
      10_000,
      'metrics red then green',
      100,
    );
    const firstRed = series.upPoints.findIndex((p) => p.min === 0);
    expect(series.upPoints.slice(0, firstRed).every((p) => p.v === 1)).toBe(true);
    console.log(JSON.stringify({ role_down_detected_ms: down, role_back_up_ms: up }));
  }, 40_000);

  it('tails the role logs through the API, and no password or token is in any log', async () => {
    const r = await call('GET', '/v1/logs?role=imap,control&level=info&limit=1000');
    expect(r.status).toBe(200);
    const roles = new Set((r.json.lines as Array<{ role: string }>).map((l) => l.role));
    expect(roles).toEqual(new Set(['imap', 'control']));
    const logDir = join(dataDir, 'logs');
    const files = readdirSync(logDir);
    expect(files).toEqual(
      expect.arrayContaining(['mx.log', 'submission.log', 'imap.log', 'pop3.log', 'control.log', 'jobs.log']),
    );
    for (const f of files) {
      const text = readFileSync(join(logDir, f), 'utf8');
      expect([f, text.includes(password), text.includes(token)]).toEqual([f, false, false]);
    }
    expect(output.includes(password)).toBe(false);
    expect(output.includes(token)).toBe(false);
  });
});
