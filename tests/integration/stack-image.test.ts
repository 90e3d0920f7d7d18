/**
 * The server image on a VPS of the test bed, deployed over SSH by the desktop's StackDeployer,
 * then used by real clients from the test machine: swaks (MX, port 25), imapflow (IMAPS 993) and
 * curl (POP3S 995) on 10.231.1.2. The control API and Redis answer through the SSH connection only.
 * Docker restarts a killed role; every container runs unprivileged as docker inspect shows.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import { ImapFlow } from 'imapflow';
import { ControlClient } from '../../src/main/services/control/control-client';
import type { SshConnection } from '../../src/main/services/ssh/ssh-client';
import type { ImageArchive } from '../../src/main/services/stack/image-archive';
import type {
  DeployProgress,
  DeployResult,
  StackDeployer,
} from '../../src/main/services/stack/stack-deployer';
import { runOnVps } from '../infra/testbed';
import {
  cleanStack,
  connectVps,
  deployerFor,
  ensureServerImage,
  recoveryPublicKeyBase64,
  vpsDocker,
} from '../support/server-stack';
import { waitFor as waitUntil } from '../support/wait';

const run = promisify(execFile);

/** Runs a command with `input` on its stdin; rejects with its output when it fails. */
function runWithInput(cmd: string, args: string[], input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd} exited with ${code}:\n${out}`)),
    );
    child.stdin.end(input);
  });
}
const vps = inject('vps');
const N = vps.index;
const DOMAIN = 'stack.test';
const USER = `alice@${DOMAIN}`;
const PASSWORD = `pw-${randomBytes(6).toString('hex')}`;
const CONTROL_PORT = 8025;
const REDIS_PORT = 6379;

let archive: ImageArchive;
let conn: SshConnection;
let deployer: StackDeployer;
let first: DeployResult;
const events: DeployProgress[] = [];
let controlToken: string;
const marker = randomBytes(8).toString('hex');
// What swaks sends as DATA (CRLF line ends, a dot line swaks must stuff, 8-bit UTF-8 body).
const message = [
  `From: Bob <bob@example.org>`,
  `To: Alice <${USER}>`,
  `Subject: stack test ${marker}`,
  `Message-ID: <${marker}@example.org>`,
  `Date: Sat, 28 Nov 2026 10:00:00 +0000`,
  `MIME-Version: 1.0`,
  `Content-Type: text/plain; charset=utf-8`,
  `Content-Transfer-Encoding: 8bit`,
  ``,
  `Bonjour Alice, ceci est un message de test — ${marker}.`,
  `.leading dot line`,
].join('\r\n');
// swaks ends DATA with CRLF "." CRLF: the message as stored ends with that CRLF.
const delivered = Buffer.from(message + '\r\n');

/**
 * The stored message is the one sent, byte for byte, after the trace fields the MX prepends
 * (Received-SPF, Authentication-Results, ...): whole header fields only, nothing else changed.
 */
function expectDelivered(source: Buffer | undefined): void {
  expect(source).toBeDefined();
  const tail = source!.subarray(source!.length - delivered.length);
  expect(tail.equals(delivered)).toBe(true);
  const prepended = source!.subarray(0, source!.length - delivered.length).toString('utf8');
  expect(prepended).toMatch(/^(?:[A-Za-z][A-Za-z0-9-]*:[^\r\n]*\r\n(?:[ \t][^\r\n]*\r\n)*)*$/);
}

function inspect(name: string) {
  return JSON.parse(vpsDocker(vps, ['inspect', name]))[0] as {
    Config: { User: string; Healthcheck?: { Test: string[] } };
    RestartCount: number;
    State: { Pid: number; Running: boolean; Health?: { Status: string } };
    HostConfig: {
      NetworkMode: string;
      ReadonlyRootfs: boolean;
      CapDrop: string[] | null;
      CapAdd: string[] | null;
      SecurityOpt: string[] | null;
      RestartPolicy: { Name: string };
      LogConfig: { Type: string; Config: Record<string, string> };
      Binds: string[];
      Tmpfs: Record<string, string>;
    };
  };
}

function imap(): ImapFlow {
  return new ImapFlow({
    host: vps.host,
    port: 993,
    secure: true,
    tls: { rejectUnauthorized: false },
    auth: { user: USER, pass: PASSWORD },
    logger: false,
  });
}

/** A TCP connect from the test machine: 'open' or the error code. */
function tcpProbe(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const timer = setTimeout(() => {
      s.destroy();
      resolve('ETIMEDOUT');
    }, 3000);
    s.on('connect', () => {
      clearTimeout(timer);
      s.destroy();
      resolve('open');
    });
    s.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(err.code ?? err.message);
    });
  });
}

const waitFor = <T>(what: string, fn: () => Promise<T | undefined>, ms = 60_000) =>
  waitUntil(what, fn, ms, 250);

beforeAll(async () => {
  archive = await ensureServerImage();
  // From a bare VPS: no stack, no data, no image.
  await cleanStack(N, { image: true });
  conn = await connectVps(vps);
  deployer = deployerFor(conn, archive, { events, issueControlToken: true });
  first = await deployer.deploy();
  controlToken = first.controlToken!;
}, 300_000);

afterAll(async () => {
  conn?.close();
  await cleanStack(N, { image: true });
});

describe('server image deployed to a VPS over SSH', () => {
  it('streams the image once, negotiates the API version, starts Redis first and waits for every service', async () => {
    expect(first.imageUploaded).toBe(true);
    expect(first.apiVersion).toBe('1.41'); // Engine 20.10: the daemon's own version, not ours
    const uploads = events.filter((e) => e.step === 'image' && e.state === 'uploading');
    expect(uploads.at(-1)).toMatchObject({
      sentBytes: archive.manifest.bytes,
      totalBytes: archive.manifest.bytes,
    });
    expect(vpsDocker(vps, ['image', 'inspect', '-f', '{{.Id}}', archive.manifest.image]).trim()).toBe(
      archive.manifest.imageId,
    );
    const order = events
      .filter((e) => e.step === 'health' && e.state === 'healthy')
      .map((e) => (e as { service: string }).service);
    expect(order).toEqual(['redis', 'edge', 'mail', 'admin']);
    expect(first.services.map((s) => s.action)).toEqual(['created', 'created', 'created', 'created']);
    const dataDir = await runOnVps(
      N,
      'stat -c "%u %a" /var/lib/facteur /var/lib/facteur/facteur.json /var/lib/facteur/secrets.json',
    );
    expect(dataDir.trim().split('\n')).toEqual(['10025 700', '10025 600', '10025 600']);
  });

  it('creates a mailbox through the control API, reached through the SSH connection', async () => {
    const control = new ControlClient(conn, { port: CONTROL_PORT, token: controlToken, timeoutMs: 15_000 });
    const health = await control.get<{
      status: string;
      redis: string;
      roles: Array<{ role: string; status: string }>;
    }>('/v1/health');
    expect(health.redis).toBe('up');
    // Every role of the image runs somewhere in the stack and beats its heart.
    expect(Object.fromEntries(health.roles.map((r) => [r.role, r.status]))).toEqual({
      mx: 'up',
      submission: 'up',
      imap: 'up',
      pop3: 'up',
      control: 'up',
      jobs: 'up',
      web: 'up',
      outbound: 'up',
      dav: 'up',
    });
    expect(health.status).toBe('ok');
    await control.post('/v1/domains', { name: DOMAIN, dkim: false });
    const created = await control.post<{ mailbox: { address: string } }>('/v1/mailboxes', {
      address: USER,
      password: PASSWORD,
      recoveryPublicKey: await recoveryPublicKeyBase64(),
    });
    expect(created.mailbox.address).toBe(USER);
  });

  it('accepts mail on port 25 (swaks) and serves it byte for byte over IMAPS (imapflow) and POP3S (curl)', async () => {
    const sent = await runWithInput(
      'swaks',
      [
        '--server',
        vps.host,
        '--port',
        '25',
        '--ehlo',
        'client.example.org',
        '--from',
        'bob@example.org',
        '--to',
        USER,
        '--data',
        '-',
        '--timeout',
        '30',
      ],
      message,
    );
    expect(sent).toMatch(/<- {2}250 /);

    let imapSource: Buffer | undefined;
    const client = imap();
    await client.connect();
    try {
      const lock = await client.getMailboxLock('INBOX');
      try {
        const found = await waitFor('the message in INBOX', async () => {
          const uids = await client.search({ all: true }, { uid: true });
          return uids && uids.length ? uids : undefined;
        });
        const fetched = await client.fetchOne(String(found[0]), { source: true }, { uid: true });
        imapSource = fetched ? fetched.source : undefined;
        expectDelivered(imapSource);
      } finally {
        lock.release();
      }
    } finally {
      await client.logout();
    }

    const { stdout: pop } = await run(
      'curl',
      ['-sS', '--insecure', '--max-time', '20', '--user', `${USER}:${PASSWORD}`, `pop3s://${vps.host}:995/1`],
      { encoding: 'buffer' } as never,
    );
    // POP3 serves exactly the bytes IMAP served.
    expect(Buffer.compare(pop as unknown as Buffer, imapSource!)).toBe(0);
  });

  it('keeps the control API and Redis off every non-loopback address, yet reachable through SSH', async () => {
    expect(await tcpProbe(vps.host, CONTROL_PORT)).toBe('ECONNREFUSED');
    expect(await tcpProbe(vps.host, REDIS_PORT)).toBe('ECONNREFUSED');
    expect(await tcpProbe(vps.host, 25)).toBe('open');
    // Every listening socket of those ports, as the VPS's kernel sees them: loopback only.
    const listening = await runOnVps(
      N,
      `ss -Hltn '( sport = :${CONTROL_PORT} or sport = :${REDIS_PORT} )' | awk '{print $4}'`,
    );
    const addresses = listening.trim().split('\n').filter(Boolean);
    expect(addresses.length).toBeGreaterThan(0);
    for (const a of addresses) expect(a).toMatch(/^(127\.0\.0\.1|\[::1\]):\d+$/);
    // Through the SSH connection: the control API answers (token required), Redis wants its password.
    const noToken = new ControlClient(conn, { port: CONTROL_PORT, token: 'wrong', timeoutMs: 10_000 });
    await expect(noToken.get('/v1/version')).rejects.toMatchObject({ params: { status: 401 } });
    const tunnel = await conn.openTcp('127.0.0.1', REDIS_PORT);
    const reply = await new Promise<string>((resolve) => {
      tunnel.once('data', (d: Buffer) => resolve(d.toString()));
      tunnel.write('PING\r\n');
    });
    tunnel.destroy();
    expect(reply).toMatch(/^-NOAUTH/);
  });

  it('runs every container unprivileged: own user, no capability but NET_BIND_SERVICE where needed, read-only root', async () => {
    for (const [name, bindsLow] of [
      ['facteur-redis', false],
      ['facteur-edge', true],
      ['facteur-mail', true],
      ['facteur-admin', false],
    ] as const) {
      const c = inspect(name);
      expect(c.Config.User).toBe('10025:10025');
      expect(c.HostConfig.NetworkMode).toBe('host');
      expect(c.HostConfig.ReadonlyRootfs).toBe(true);
      expect(c.HostConfig.Tmpfs).toHaveProperty('/tmp');
      expect(c.HostConfig.CapDrop).toEqual(['ALL']);
      expect(c.HostConfig.CapAdd ?? []).toEqual(bindsLow ? ['NET_BIND_SERVICE'] : []);
      expect(c.HostConfig.SecurityOpt ?? []).toEqual(bindsLow ? [] : ['no-new-privileges:true']);
      expect(c.HostConfig.RestartPolicy.Name).toBe('unless-stopped');
      expect(c.HostConfig.LogConfig).toEqual({
        Type: 'json-file',
        Config: { 'max-size': '10m', 'max-file': '3' },
      });
      expect(c.Config.Healthcheck?.Test.slice(0, 3)).toEqual(['CMD', 'facteur-server', 'health']);
      // The running process itself: uid 10025, and only CAP_NET_BIND_SERVICE (bit 10) where it binds < 1024.
      const status = await runOnVps(N, `cat /proc/${c.State.Pid}/status`);
      expect(status).toMatch(/^Uid:\s+10025\s+10025\s+10025\s+10025$/m);
      expect(/^CapEff:\s+([0-9a-f]+)$/m.exec(status)![1]).toBe(
        bindsLow ? '0000000000000400' : '0000000000000000',
      );
      expect(/^CapBnd:\s+([0-9a-f]+)$/m.exec(status)![1]).toBe(
        bindsLow ? '0000000000000400' : '0000000000000000',
      );
      // The root file system refuses writes.
      const write = await runOnVps(N, `docker exec ${name} sh -c 'touch /opt/facteur/x 2>&1; echo rc=$?'`);
      expect(write).toMatch(/Read-only file system[\s\S]*rc=1/);
    }
  });

  it('restarts a killed role process, and the role serves again', async () => {
    const before = inspect('facteur-mail');
    await runOnVps(N, `kill -KILL ${before.State.Pid}`);
    const after = await waitFor('facteur-mail restarted', async () => {
      const c = inspect('facteur-mail');
      return c.RestartCount > before.RestartCount && c.State.Running && c.State.Pid !== before.State.Pid
        ? c
        : undefined;
    });
    expect(after.RestartCount).toBe(before.RestartCount + 1);
    const count = await waitFor('IMAP back', async () => {
      const client = imap();
      await client.connect();
      try {
        const status = await client.status('INBOX', { messages: true });
        return status ? status.messages : undefined;
      } finally {
        await client.logout().catch(() => undefined);
      }
    });
    expect(count).toBe(1);
    // The control API counts the restart of each role of that process.
    const control = new ControlClient(conn, { port: CONTROL_PORT, token: controlToken, timeoutMs: 15_000 });
    const roles = await waitFor('restarts in /v1/health', async () => {
      const h = await control.get<{ roles: Array<{ role: string; status: string; restarts: number }> }>(
        '/v1/health',
      );
      const mail = h.roles.filter((r) => ['submission', 'imap', 'pop3', 'dav'].includes(r.role));
      return mail.every((r) => r.restarts >= 1 && r.status === 'up') ? h.roles : undefined;
    });
    expect(roles.find((r) => r.role === 'mx')).toMatchObject({ status: 'up', restarts: 0 });
  });

  it('deploys again idempotently: the image is not sent again, unchanged containers are kept, missing ones recreated', async () => {
    vpsDocker(vps, ['rm', '-f', 'facteur-admin']);
    const again: DeployProgress[] = [];
    const second = await deployerFor(conn, archive, { events: again }).deploy();
    expect(second.imageUploaded).toBe(false);
    expect(again.some((e) => e.step === 'image' && e.state === 'uploading')).toBe(false);
    expect(Object.fromEntries(second.services.map((s) => [s.name, s.action]))).toEqual({
      redis: 'kept',
      edge: 'kept',
      mail: 'kept',
      admin: 'created',
    });
    expect(again.find((e) => e.step === 'data-dir')).toMatchObject({ secretsCreated: [] });
    // The old token still works: redeploying did not touch the config database.
    const control = new ControlClient(conn, { port: CONTROL_PORT, token: controlToken, timeoutMs: 15_000 });
    expect((await control.get<{ mailboxes: unknown[] }>('/v1/mailboxes')).mailboxes).toHaveLength(1);
  });
});
