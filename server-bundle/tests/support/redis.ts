// A private redis-server for a test file: 127.0.0.1 on a free port, no persistence, its own dir.
// Usage:
//   let redis: TestRedis;
//   beforeAll(async () => { redis = await startRedis(); });
//   afterAll(() => redis.stop());
// redis.options plugs into connectRedis(); stop() kills the server by its PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RedisOptions } from '../../src/storage/redis-adapter.ts';

export interface TestRedis {
  host: string;
  port: number;
  url: string;
  pid: number;
  options: RedisOptions;
  stop(): Promise<void>;
}

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function waitReady(child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => done(new Error(`redis-server not ready in ${timeoutMs} ms: ${out}`)),
      timeoutMs,
    );
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes('Ready to accept connections')) done();
    };
    const onExit = (code: number | null) => done(new Error(`redis-server exited (${code}): ${out}`));
    const done = (err?: Error) => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve();
    };
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}

export async function startRedis(opts: { host?: string } = {}): Promise<TestRedis> {
  const host = opts.host ?? '127.0.0.1';
  const dir = mkdtempSync(join(tmpdir(), 'facteur-redis-'));
  let lastErr: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort(host);
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        host,
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        '--loglevel',
        'notice',
        '--daemonize',
        'no',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      await waitReady(child, 10_000);
    } catch (err) {
      lastErr = err;
      if (child.pid && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
      continue; // the port was taken between probe and bind: try another
    }
    child.stdout?.resume();
    child.stderr?.resume();
    const pid = child.pid!;
    return {
      host,
      port,
      pid,
      url: `redis://${host}:${port}`,
      options: { host, port },
      stop: async () => {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise<void>((r) => child.once('exit', () => r()));
          process.kill(pid, 'SIGTERM');
          const timer = setTimeout(() => child.exitCode === null && process.kill(pid, 'SIGKILL'), 3000);
          await exited;
          clearTimeout(timer);
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastErr instanceof Error ? lastErr : new Error('could not start redis-server');
}
