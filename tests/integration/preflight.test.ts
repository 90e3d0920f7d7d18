import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createServer, type Server } from 'node:net';
import { readFileSync } from 'node:fs';
import { runOnVps } from '../infra/testbed';
import { freshFacteur } from '../support/facteur';
import { scanFingerprint } from '../support/ssh';

const vps = inject('vps');
let mx: Server;
let mxPort: number;

// A stand-in for a public mail server, on the test bed's host side of the VPS link.
beforeAll(async () => {
  mx = createServer((s) => {
    s.on('error', () => undefined); // the probe hangs up at once
    s.end('220 test\r\n');
  });
  await new Promise<void>((r) => mx.listen(0, '10.231.1.1', r));
  mxPort = (mx.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((r) => mx.close(() => r())));

async function addVps(env: Record<string, string>) {
  const f = freshFacteur(env);
  const profile = await f.call('addServer', {
    host: vps.host,
    port: vps.port,
    user: vps.user,
    auth: { kind: 'privateKey', privateKey: readFileSync(vps.clientKeyPath, 'utf8') },
    confirmedFingerprint: scanFingerprint(vps.host, vps.port),
  });
  return { ...f, id: profile.id };
}

describe('preflight on the test bed VPS', () => {
  it('reports what it sees, green where the VPS is fit', async () => {
    const f = await addVps({ FACTEUR_SMTP_PROBE: `10.231.1.1:${mxPort}` });
    const report = await f.call('runPreflight', { id: f.id });
    const c = Object.fromEntries(report.checks.map((x) => [x.id, x]));
    expect(c.os).toMatchObject({ status: 'ok', value: expect.stringContaining('Debian') });
    expect(c.arch?.status).toBe('ok');
    expect(c.privileges).toMatchObject({ status: 'ok', value: 'root' });
    expect(c.docker).toMatchObject({
      status: 'ok',
      value: (await runOnVps(1, "docker version --format '{{.Server.Version}}'")).trim(),
    });
    expect(c.clock?.status).not.toBe('fail');
    expect(c.smtpOut).toMatchObject({ status: 'ok' });
    // The VPS only has a private address: NAT warning, and PTR cannot be decided.
    expect(c.addresses).toMatchObject({ status: 'warn', value: '10.231.1.2' });
    expect(c.ptr?.status).toBe('unknown');
    expect(c.reachability?.status).toBe('unknown');
  });

  it('names a port another program holds, and says unknown when port 25 cannot be tested', async () => {
    // A program holding port 80 for a while (the helper returns when it exits).
    const holder = runOnVps(
      1,
      `exec -a port80holder python3 -c 'import socket,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("0.0.0.0", 80)); s.listen(); time.sleep(20)'`,
    ).catch(() => '');
    for (let i = 0; i < 50 && !/:80\b/.test(await runOnVps(1, 'ss -Htln')); i++)
      await new Promise((r) => setTimeout(r, 100));
    try {
      const f = await addVps({ FACTEUR_SMTP_PROBE: '10.231.1.1:1', FACTEUR_SMTP_PROBE_TIMEOUT_S: '2' });
      const report = await f.call('runPreflight', { id: f.id });
      const c = Object.fromEntries(report.checks.map((x) => [x.id, x]));
      expect(c.ports).toMatchObject({ status: 'fail', value: '80' });
      expect(c.smtpOut?.status).toBe('unknown');
    } finally {
      await runOnVps(1, "pkill -f '[p]ort80holder' || true");
      await holder;
    }
  });
});
