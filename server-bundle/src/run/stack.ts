// The whole stack on one machine without Docker: Redis plus one process per role, sharing one data
// directory, each restarted after a crash (as Docker's restart policy does in the image).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeDevControlToken } from '../control/issue-token.ts';
import { MailCore } from '../domain/mail-core.ts';
import { loadOrCreateServerSecrets } from '../storage/server-secrets.ts';
import { TlsProvider } from '../tls/tls-provider.ts';
import { portOf, ROLES, type RoleName, type ServerConfig } from './server-config.ts';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

/** Creates secrets, the config DB and the TLS certificate once, so roles starting together agree. */
export async function prepareDataDir(config: ServerConfig): Promise<void> {
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  await loadOrCreateServerSecrets(join(config.dataDir, 'secrets.json'));
  (await MailCore.open({ dataDir: config.dataDir })).close();
  await TlsProvider.loadOrCreate({ dir: join(config.dataDir, 'tls'), hostNames: [config.hostname] });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function startRedis(dataDir: string): Promise<{ url: string; child: ChildProcess }> {
  const dir = join(dataDir, 'redis');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--save', '60 1', '--appendonly', 'no'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('redis-server did not become ready in 10 s')), 10_000);
    child.once('error', (err) =>
      reject(new Error(`redis-server did not start (is it installed?): ${err.message}`)),
    );
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        child.stdout!.resume();
        resolve();
      }
    });
  });
  return { url: `redis://127.0.0.1:${port}`, child };
}

export async function runStack(config: ServerConfig, opts: { startRedis: boolean }): Promise<void> {
  await prepareDataDir(config);
  const controlTokenFile = await writeDevControlToken(config.dataDir);
  const redis = opts.startRedis ? await startRedis(config.dataDir) : undefined;
  const resolved: ServerConfig = redis ? { ...config, redis: { ...config.redis, url: redis.url } } : config;
  const configPath = join(config.dataDir, 'facteur.json');
  await writeFile(configPath, JSON.stringify(resolved, null, 2), { mode: 0o600 });

  const children = new Map<RoleName, ChildProcess>();
  let stopping = false;
  const ready = new Set<RoleName>();

  const launch = (role: RoleName): void => {
    const child = spawn(process.execPath, [MAIN, 'role', role, '--config', configPath], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.set(role, child);
    child.on('message', (msg: { ready?: boolean }) => {
      if (!msg.ready) return;
      ready.add(role);
      process.stdout.write(JSON.stringify({ event: 'stack.role_ready', role, pid: child.pid }) + '\n');
      if (ready.size === ROLES.length) announce(resolved, controlTokenFile);
    });
    child.on('exit', (code, signal) => {
      if (stopping) return;
      process.stdout.write(JSON.stringify({ event: 'stack.role_exited', role, code, signal }) + '\n');
      setTimeout(() => !stopping && launch(role), resolved.restartDelayMs);
    });
  };
  for (const role of ROLES) launch(role);

  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await Promise.all(
      [...children.values()].map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.kill('SIGTERM');
          }),
      ),
    );
    // Wait for Redis too: exiting first left it saving into a directory a caller may remove next,
    // and a Redis that cannot save refuses SIGTERM (orphaned servers). SIGKILL after 5 s.
    if (redis && redis.child.exitCode === null && redis.child.signalCode === null) {
      const gone = new Promise((resolve) => redis.child.once('exit', resolve));
      redis.child.kill('SIGTERM');
      const force = setTimeout(() => redis.child.kill('SIGKILL'), 5_000);
      await gone;
      clearTimeout(force);
    }
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

function announce(config: ServerConfig, controlTokenFile: string): void {
  const ports = Object.fromEntries(
    Object.keys(config.ports).map((k) => [k, portOf(config, k as keyof ServerConfig['ports'])]),
  );
  process.stdout.write(
    JSON.stringify({
      event: 'stack.ready',
      listen: config.listen,
      ports,
      dataDir: config.dataDir,
      redis: config.redis.url,
      controlTokenFile,
    }) + '\n',
  );
}
