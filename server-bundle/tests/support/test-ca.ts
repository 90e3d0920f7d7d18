// A throwaway certificate authority (openssl) for tests that verify TLS like a real peer would:
// MTA-STS policy fetches and STARTTLS in enforce mode need certificates a client can check.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCa {
  dir: string;
  /** PEM of the CA certificate (give it to clients as their extra trust root). */
  certPem: string;
  certPath: string;
  /** key + leaf certificate (+ CA) in one PEM, the layout of <dataDir>/tls/server.pem. */
  issue(names: readonly string[]): string;
}

export function createTestCa(): TestCa {
  const dir = mkdtempSync(join(tmpdir(), 'facteur-ca-'));
  const ssl = (...args: string[]) =>
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  ssl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=Facteur Test CA',
  );
  let n = 0;
  return {
    dir,
    certPath: join(dir, 'ca.pem'),
    certPem: readFileSync(join(dir, 'ca.pem'), 'utf8'),
    issue(names) {
      const id = `leaf${n++}`;
      writeFileSync(
        join(dir, `${id}.ext`),
        `subjectAltName=${names.map((x) => `DNS:${x}`).join(',')}\nextendedKeyUsage=serverAuth\n`,
      );
      ssl(
        'req',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        `${id}.key`,
        '-out',
        `${id}.csr`,
        '-subj',
        `/CN=${names[0]}`,
      );
      ssl(
        'x509',
        '-req',
        '-in',
        `${id}.csr`,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        `${id}.pem`,
        '-days',
        '2',
        '-extfile',
        `${id}.ext`,
      );
      return readFileSync(join(dir, `${id}.key`), 'utf8') + readFileSync(join(dir, `${id}.pem`), 'utf8');
    },
  };
}
