// Let's Encrypt's test CA (Debian package `pebble`) for one test file: its own HTTPS certificate
// (self-signed, trusted by our ACME client through caPem), HTTP-01 validation against `httpPort`,
// names resolved through `dnsPort`. Stopped by PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSelfSigned } from '../../src/tls/forge-adapter.ts';
import { freePort } from '../support/redis.ts';

export interface Pebble {
  directoryUrl: string;
  /** PEM of the certificate pebble's ACME API presents (trust it to talk to pebble). */
  apiCaPem: string;
  managementUrl: string;
  pid: number;
  /** PEM of the root that signs issued certificates (from the management API). */
  rootPem(): Promise<string>;
  stop(): Promise<void>;
}

export async function startPebble(opts: {
  httpPort: number;
  dnsPort: number;
  env?: Record<string, string>;
}): Promise<Pebble> {
  const dir = mkdtempSync(join(tmpdir(), 'facteur-pebble-'));
  const api = generateSelfSigned({ hostNames: ['127.0.0.1', 'localhost'] });
  writeFileSync(join(dir, 'cert.pem'), api.certPem);
  writeFileSync(join(dir, 'key.pem'), api.keyPem, { mode: 0o600 });
  const [listen, mgmt, tlsPort] = [await freePort(), await freePort(), await freePort()];
  writeFileSync(
    join(dir, 'pebble.json'),
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${listen}`,
        managementListenAddress: `127.0.0.1:${mgmt}`,
        certificate: join(dir, 'cert.pem'),
        privateKey: join(dir, 'key.pem'),
        httpPort: opts.httpPort,
        tlsPort,
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
      },
    }),
  );
  const child: ChildProcess = spawn(
    'pebble',
    ['-config', join(dir, 'pebble.json'), '-dnsserver', `127.0.0.1:${opts.dnsPort}`],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0', ...opts.env },
    },
  );
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`pebble did not start in 15 s:\n${log}`)), 15_000);
    const onData = (d: Buffer) => {
      log += d.toString();
      if (log.includes('ACME directory available')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', (err) =>
      reject(new Error(`pebble did not start (apt-get install -y pebble): ${err.message}`)),
    );
    child.once('exit', (code) => reject(new Error(`pebble exited (${code}):\n${log}`)));
  });
  const managementUrl = `https://127.0.0.1:${mgmt}`;
  return {
    directoryUrl: `https://127.0.0.1:${listen}/dir`,
    apiCaPem: api.certPem,
    managementUrl,
    pid: child.pid!,
    async rootPem() {
      const { request } = await import('node:https');
      return new Promise((resolve, reject) => {
        request(`${managementUrl}/roots/0`, { ca: api.certPem }, (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve(body));
        })
          .on('error', reject)
          .end();
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        process.kill(child.pid!, 'SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
