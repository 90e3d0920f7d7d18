// The production topology with the dev `stack` command: the jobs role talks to the CA (pebble),
// the web role (another process) answers its HTTP-01 challenges from the shared data directory,
// and every role process (web, IMAP, POP3, SMTP) picks the new certificate up through watch().
// The owner's request arrives the way the desktop's will: POST /v1/certificate/request on the control API.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CertificateStatus } from '../../src/acme/certificate-status.ts';
import { fetchWeb, peerCertificate } from '../web/web-client.ts';
import { startDnsResponder, type DnsResponder } from './dns-responder.ts';
import { startPebble, type Pebble } from './pebble.ts';

const MAIN = join(import.meta.dirname, '../../src/run/main.ts');
const offset = 36000 + Math.floor(Math.random() * 4000);
const root = mkdtempSync(join(tmpdir(), 'facteur-acme-stack-'));
const configPath = join(root, 'facteur.json');
const MAIL = 'mail.acme.test';
let stack: ChildProcess | undefined;
let pebble: Pebble | undefined;
let dns: DnsResponder | undefined;
const timings: Record<string, number> = {};

function cli(args: string[]): string {
  const res = spawnSync(process.execPath, [MAIN, ...args, '--config', configPath], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`facteur-server ${args.join(' ')}: ${res.stderr}`);
  return res.stdout;
}

async function waitFor<T>(
  fn: () => Promise<T | undefined> | T | undefined,
  ms: number,
  what: string,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  const names = [MAIL, 'mta-sts.acme.test', 'autoconfig.acme.test'];
  dns = await startDnsResponder(Object.fromEntries(names.map((n) => [n, { a: ['127.0.0.1'] }])));
  pebble = await startPebble({ httpPort: 80 + offset, dnsPort: dns.port, env: { PEBBLE_AUTHZREUSE: '0' } });
  writeFileSync(join(root, 'pebble-api.pem'), pebble.apiCaPem);
  writeFileSync(
    configPath,
    JSON.stringify({
      hostname: MAIL,
      dataDir: join(root, 'data'),
      listen: ['127.0.0.1'],
      portOffset: offset,
      restartDelayMs: 200,
      logs: { toFile: false },
      tls: { watchIntervalMs: 100 },
      mtaSts: { mode: 'enforce' },
      acme: {
        directoryUrl: pebble.directoryUrl,
        caCertFile: join(root, 'pebble-api.pem'),
        pollMinMs: 100,
        pollMaxMs: 500,
        requestPollMs: 100,
      },
    }),
  );
  const log = createWriteStream(join(root, 'stack.log'));
  stack = spawn(process.execPath, [MAIN, 'stack', '--config', configPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  stack.stderr!.pipe(log);
  let out = '';
  let ready = false;
  stack.stdout!.on('data', (d: Buffer) => {
    log.write(d);
    out += d.toString();
    if (out.includes('"event":"stack.ready"')) ready = true;
  });
  await waitFor(() => (ready ? true : undefined), 45_000, 'stack.ready');
  cli(['admin', 'add-domain', 'acme.test']);
}, 90_000);

afterAll(async () => {
  if (stack?.pid && stack.exitCode === null) {
    const exited = new Promise((r) => stack!.once('exit', r));
    process.kill(stack.pid, 'SIGTERM');
    await exited;
  }
  await pebble?.stop();
  await dns?.stop();
  console.log(JSON.stringify({ acme_stack: timings }));
  rmSync(root, { recursive: true, force: true });
});

describe('ACME in the role processes', () => {
  it('the web role of the dev stack serves MTA-STS and autoconfig on 443+offset, redirects 80+offset', async () => {
    const r = await fetchWeb({
      scheme: 'https',
      port: 443 + offset,
      host: 'mta-sts.acme.test',
      path: '/.well-known/mta-sts.txt',
    });
    expect(r.status).toBe(200);
    expect(r.body).toBe(`version: STSv1\r\nmode: enforce\r\nmx: ${MAIL}\r\nmax_age: 604800\r\n`);
    const ac = await fetchWeb({
      scheme: 'https',
      port: 443 + offset,
      host: 'autoconfig.acme.test',
      path: '/mail/config-v1.1.xml',
    });
    expect(ac.body).toContain(`<port>${993 + offset}</port>`); // the dev stack's real ports
    const redirect = await fetchWeb({ scheme: 'http', port: 80 + offset, host: MAIL, path: '/x' });
    expect(redirect.headers.location).toBe(`https://${MAIL}:${443 + offset}/x`);
  });

  it('a request through the control API gets a CA certificate that every role process presents, without restarts', async () => {
    const before = JSON.parse(cli(['certificate', 'status'])) as CertificateStatus;
    expect(before.selfSigned).toBe(true);
    const started = performance.now();
    // As the desktop's DNS wizard will: through the control API (127.0.0.1, bearer token).
    const token = readFileSync(join(root, 'data', 'control-token'), 'utf8').trim();
    const control = (method: string, path: string, body?: unknown) =>
      fetchWeb({
        scheme: 'http',
        port: 8025 + offset,
        host: '127.0.0.1',
        path,
        method,
        headers: {
          Authorization: `Bearer ${token}`,
          ...(body ? { 'Content-Type': 'application/json' } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    expect((await control('POST', '/v1/certificate/request', { force: 'yes' })).status).toBe(400);
    const asked = await control('POST', '/v1/certificate/request', { force: false });
    expect(asked.status).toBe(202);
    // The web role's next handshake shows when the jobs role has installed it (polling the CLI costs a process each time).
    await waitFor(
      async () =>
        (await peerCertificate(443 + offset, MAIL)).serialNumber !== before.serialNumber ? true : undefined,
      30_000,
      'a new certificate',
    );
    timings.request_to_web_role_ms = Math.round(performance.now() - started);
    const after = JSON.parse(cli(['certificate', 'status'])) as CertificateStatus;
    expect(after.acme.lastError).toBeNull();
    expect(after.selfSigned).toBe(false);
    const api = JSON.parse((await control('GET', '/v1/certificate')).body) as CertificateStatus;
    expect(api).toMatchObject({
      selfSigned: false,
      issuer: after.issuer,
      serialNumber: after.serialNumber,
      acme: { enabled: true, lastError: null },
    });
    expect(api.daysLeft).toBeGreaterThan(30);
    expect(after.issuer).toMatch(/Pebble/i);
    expect(after.altNames.sort()).toEqual([MAIL, 'autoconfig.acme.test', 'mta-sts.acme.test'].sort());
    const serialOf = (port: number) => peerCertificate(port, MAIL).then((c) => c.serialNumber);
    for (const [what, port] of [
      ['web', 443 + offset],
      ['imaps', 993 + offset],
      ['pop3s', 995 + offset],
      ['submissions', 465 + offset],
    ] as const) {
      const serial = await waitFor(
        async () => ((await serialOf(port)) === after.serialNumber ? after.serialNumber : undefined),
        5_000,
        `${what} to switch`,
      );
      expect(serial, what).toBe(after.serialNumber);
    }
    timings.request_to_all_roles_ms = Math.round(performance.now() - started);
    // Now HSTS is sent (a CA certificate is in place).
    const r = await fetchWeb({
      scheme: 'https',
      port: 443 + offset,
      host: 'mta-sts.acme.test',
      path: '/.well-known/mta-sts.txt',
    });
    expect(r.headers['strict-transport-security']).toBe('max-age=31536000');
  });
});
