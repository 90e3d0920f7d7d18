// `facteur-server health` probes against small servers speaking just enough of each protocol, and
// the redis role's generated configuration.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkHealth, probeHost, probesOf, redisConfig, runProbe } from '../../src/run/health.ts';
import { resolveConfig } from '../../src/run/server-config.ts';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

function serve(onConnection: (socket: Socket) => void): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer(onConnection);
    servers.push(srv);
    srv.listen(0, '127.0.0.1', () => resolve((srv.address() as { port: number }).port));
  });
}

function dataDir(secrets: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'facteur-health-'));
  writeFileSync(join(dir, 'secrets.json'), JSON.stringify(secrets), { mode: 0o600 });
  return dir;
}

const PASS = 'ab'.repeat(32);

describe('health probes', () => {
  it('accepts a multi-line SMTP greeting and says goodbye', async () => {
    let said = '';
    const port = await serve((s) => {
      s.write('220-mail.test ESMTP\r\n220 ready\r\n');
      s.on('data', (d) => (said += d.toString()));
    });
    const [probe] = await probesOf(resolveConfig({ listen: ['127.0.0.1'], portOffset: port - 25 }), 'mx');
    expect(await runProbe(probe!, 2000)).toBe('220 ready');
    await new Promise((r) => setTimeout(r, 50));
    expect(said).toBe('QUIT\r\n');
  });

  it('fails on a wrong greeting, a closed port and silence', async () => {
    const wrong = await serve((s) => s.write('554 go away\r\n'));
    const [p1] = await probesOf(resolveConfig({ listen: ['127.0.0.1'], portOffset: wrong - 25 }), 'mx');
    await expect(runProbe(p1!, 2000)).rejects.toThrow(/unexpected greeting "554 go away"/);
    const silent = await serve(() => undefined);
    await expect(runProbe({ ...p1!, port: silent }, 300)).rejects.toThrow(/no answer within 300 ms/);
    const closed = await serve(() => undefined);
    await new Promise((r) => servers.pop()!.close(r));
    await expect(runProbe({ ...p1!, port: closed }, 2000)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('authenticates to Redis and expects PONG', async () => {
    let got = '';
    const port = await serve((s) =>
      s.on('data', (d) => {
        got += d.toString();
        if (got.includes('PING'))
          s.write(got.includes(PASS) ? '+OK\r\n+PONG\r\n' : '-WRONGPASS invalid\r\n-NOAUTH\r\n');
      }),
    );
    const config = resolveConfig({
      dataDir: dataDir({ redisPassword: PASS }),
      redis: { url: `redis://127.0.0.1:${port}` },
    });
    expect(await checkHealth(config, ['redis'], 2000)).toEqual([`redis 127.0.0.1:${port}: PONG`]);
    const wrong = resolveConfig({
      dataDir: dataDir({ redisPassword: 'cd'.repeat(32) }),
      redis: { url: `redis://127.0.0.1:${port}` },
    });
    got = '';
    await expect(checkHealth(wrong, ['redis'], 2000)).rejects.toThrow(/AUTH refused: WRONGPASS/);
  });

  it('judges roles without a listener by their heartbeat in Redis', async () => {
    let beat: string | null = JSON.stringify({ at: Date.now() - 1000, state: 'running' });
    const port = await serve((s) =>
      s.on('data', (d) => {
        if (!d.toString().includes('GET')) return;
        s.write(beat === null ? '+OK\r\n$-1\r\n' : `+OK\r\n$${Buffer.byteLength(beat)}\r\n${beat}\r\n`);
      }),
    );
    const config = resolveConfig({
      dataDir: dataDir({ redisPassword: PASS }),
      redis: { url: `redis://127.0.0.1:${port}` },
      heartbeatMs: 5000,
    });
    expect((await checkHealth(config, ['jobs'], 2000))[0]).toMatch(/heartbeat \d+ ms ago/);
    beat = JSON.stringify({ at: Date.now() - 60_000, state: 'running' });
    await expect(checkHealth(config, ['outbound'], 2000)).rejects.toThrow(/last heartbeat \d+ ms ago/);
    beat = null;
    await expect(checkHealth(config, ['jobs'], 2000)).rejects.toThrow(/no heartbeat of jobs/);
  });

  it('probes loopback for a wildcard listen address, and knows every role', async () => {
    expect(probeHost(resolveConfig({ listen: ['::'] }))).toBe('127.0.0.1');
    expect(probeHost(resolveConfig({ listen: ['192.0.2.7'] }))).toBe('192.0.2.7');
    const config = resolveConfig({ dataDir: dataDir({ redisPassword: PASS }) });
    const ports = async (role: string) =>
      (await probesOf(config, role)).map((p) => `${p.port}${p.tls ? 's' : ''}`);
    expect(await ports('submission')).toEqual(['465s', '587']);
    expect(await ports('imap')).toEqual(['993s', '143']);
    expect(await ports('pop3')).toEqual(['995s', '110']);
    expect(await ports('web')).toEqual(['80', '443s']);
    expect(await ports('control')).toEqual([String(config.ports.control)]);
    await expect(probesOf(config, 'nope')).rejects.toThrow(/no health check/);
  });
});

describe('redis role configuration', () => {
  it('binds loopback, requires the password from the secrets file, keeps data under the data directory', async () => {
    const dir = dataDir({ redisPassword: PASS });
    const conf = await redisConfig(resolveConfig({ dataDir: dir, redis: { url: 'redis://127.0.0.1:6400' } }));
    expect(conf).toContain('bind 127.0.0.1 -::1\n');
    expect(conf).toContain('port 6400\n');
    expect(conf).toContain(`requirepass ${PASS}\n`);
    expect(conf).toContain(`dir ${join(dir, 'redis')}\n`);
    expect(conf).toContain('rename-command CONFIG ""\n');
  });

  it('refuses to run without a password or off loopback', async () => {
    await expect(redisConfig(resolveConfig({ dataDir: dataDir({}) }))).rejects.toThrow(/no redisPassword/);
    const dir = dataDir({ redisPassword: PASS });
    await expect(
      redisConfig(resolveConfig({ dataDir: dir, redis: { url: 'redis://10.0.0.1:6379' } })),
    ).rejects.toThrow(/loopback only/);
  });
});
