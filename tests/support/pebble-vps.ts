/**
 * Let's Encrypt's test CA (Debian package `pebble`) reachable from a test-bed VPS: its ACME API on
 * the VPS's host-side address (10.231.N.1), HTTP-01 validation on port 80 of the names it resolves
 * through `dnsServer` (the journey's Knot). Its API certificate is made here with openssl; the root
 * that signs issued certificates is read from the management API. Stopped by PID.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface VpsPebble {
  directoryUrl: string;
  /** File holding the certificate of pebble's ACME API (the server trusts it to talk to pebble). */
  apiCaFile: string;
  /** PEM of the root that signs issued certificates. */
  rootPem(): Promise<string>;
  log(): string;
  stop(): Promise<void>;
}

export async function startPebbleForVps(opts: {
  address: string;
  dnsServer: string;
  port?: number;
}): Promise<VpsPebble> {
  const dir = mkdtempSync(join(tmpdir(), 'facteur-pebble-'));
  const port = opts.port ?? 14000;
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=pebble test API',
      '-addext',
      `subjectAltName=IP:${opts.address}`,
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  writeFileSync(
    join(dir, 'pebble.json'),
    JSON.stringify({
      pebble: {
        listenAddress: `${opts.address}:${port}`,
        managementListenAddress: `${opts.address}:${port + 1}`,
        certificate: join(dir, 'cert.pem'),
        privateKey: join(dir, 'key.pem'),
        httpPort: 80,
        tlsPort: 443,
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
      },
    }),
  );
  const child: ChildProcess = spawn(
    'pebble',
    ['-config', join(dir, 'pebble.json'), '-dnsserver', opts.dnsServer],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0', PEBBLE_AUTHZREUSE: '0' },
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
  const apiCa = readFileSync(join(dir, 'cert.pem'), 'utf8');
  return {
    directoryUrl: `https://${opts.address}:${port}/dir`,
    apiCaFile: join(dir, 'cert.pem'),
    rootPem: () =>
      new Promise((resolve, reject) => {
        request(`https://${opts.address}:${port + 1}/roots/0`, { ca: apiCa }, (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve(body));
        })
          .on('error', reject)
          .end();
      }),
    log: () => log,
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
