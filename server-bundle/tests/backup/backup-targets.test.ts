// The three kinds of target with real servers: S3 against s3rver, SFTP against an sshd started
// here (its own config, host key and port), each through a backup, a list and a restore; and a
// target that refuses the credentials is named as such.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { afterEach, describe, expect, it } from 'vitest';
import { BackupError, BackupService, type BackupTarget } from '../../src/backup/backup-service.ts';
import { MailCore } from '../../src/domain/mail-core.ts';
import { TEST_KDF } from '../helpers/core.ts';
import { useTmpDir } from '../helpers/tmp.ts';
import { freePort } from '../support/redis.ts';
import { createTestCa } from '../support/test-ca.ts';
import { fingerprint, PASSWORDS, populate } from './backup-fixtures.ts';

const tmp = useTmpDir('facteur-backup-');
const KEY = 'backup key for the target tests';
const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
});

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    return err instanceof BackupError
      ? `${err.code}` + (err.code === 'FAILED' ? `: ${err.message}` : '')
      : `not a BackupError: ${(err as Error).message}`;
  }
}

/** Backup on server A, restore on a new server B, mailboxes byte-identical. */
async function roundTrip(root: string, target: BackupTarget): Promise<void> {
  const dataA = join(root, 'a');
  const { core } = await populate(dataA, { messages: 3, items: 1 });
  const before = await fingerprint(core, 'carol@example.com');
  core.close();
  const settings = {
    target,
    schedule: { dailyAt: '03:00' },
    retention: { daily: 7, weekly: 4, monthly: 6 },
    verify: { readDataSubset: '50%' },
  };
  const a = new BackupService({ dataDir: dataA });
  expect(await a.writeSettings(settings, KEY)).toEqual({ created: true });
  const snap = await a.run();
  expect(snap.verified).toBe(true);
  const b = new BackupService({ dataDir: join(root, 'b') });
  expect(await b.writeSettings(settings, KEY)).toEqual({ created: false });
  expect((await b.list()).map((s) => [s.id, s.mailboxes])).toEqual([[snap.id, 3]]);
  await b.restore({ snapshotId: snap.id });
  const coreB = await MailCore.open({ dataDir: join(root, 'b'), kdfCost: TEST_KDF });
  try {
    expect(await fingerprint(coreB, 'carol@example.com')).toEqual(before);
    expect(Object.keys(PASSWORDS)).toHaveLength(3);
  } finally {
    coreB.close();
  }
}

async function waitPort(port: number, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((r) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        r(true);
      });
      s.on('error', () => r(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`port ${port} not open`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('backup targets', () => {
  it('S3 (s3rver over TLS): backup, list and restore on a new server; an untrusted certificate is refused', async () => {
    const root = tmp();
    const port = await freePort();
    // over TLS, as S3 is used: restic (minio-go) signs plain-HTTP uploads in aws-chunked
    // encoding, which s3rver would store as is
    const ca = createTestCa();
    stops.push(async () => rmSync(ca.dir, { recursive: true, force: true }));
    const pem = ca.issue(['localhost']);
    const key = pem.match(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]+?-----END [A-Z ]*PRIVATE KEY-----/)![0];
    const cert = pem.replace(key, '').trim();
    const s3 = new S3rver({
      address: '127.0.0.1',
      port,
      silent: true,
      directory: join(root, 's3'),
      key,
      cert,
    });
    await s3.run();
    stops.push(() => s3.close());
    const target: BackupTarget = {
      kind: 's3',
      endpoint: `https://localhost:${port}`,
      bucket: 'facteur-backups',
      prefix: 'server-1',
      region: 'us-east-1',
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
      caCert: ca.certPem,
    };
    await roundTrip(root, target);
    const c = new BackupService({ dataDir: join(root, 'c') });
    // s3rver accepts any secret; a certificate the target does not trust is refused the same way
    const { caCert: _trusted, ...wrong } = target as Extract<BackupTarget, { kind: 's3' }>;
    const settings = {
      target: wrong,
      schedule: { everyMs: 60_000 },
      retention: { daily: 1, weekly: 0, monthly: 0 },
      verify: {},
    };
    expect(await codeOf(c.writeSettings(settings, KEY))).toBe('UNREACHABLE');
  });

  it('SFTP (a real sshd): backup, list and restore on a new server; an unknown host key is refused', async () => {
    const root = tmp();
    const dir = join(root, 'sshd');
    mkdirSync(dir);
    mkdirSync('/run/sshd', { recursive: true });
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'client_key')]);
    writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_key.pub')), { mode: 0o600 });
    const port = await freePort();
    writeFileSync(
      join(dir, 'sshd_config'),
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${join(dir, 'host_key')}`,
        `PidFile ${join(dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
        'StrictModes no',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PubkeyAuthentication yes',
        'PermitRootLogin prohibit-password',
        'UsePAM no',
        'Subsystem sftp internal-sftp',
        '',
      ].join('\n'),
    );
    const sshd: ChildProcess = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    sshd.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    stops.push(async () => {
      sshd.kill('SIGTERM');
      await new Promise((r) => sshd.once('close', r));
    });
    await waitPort(port).catch((err: Error) => {
      throw new Error(`${err.message}: ${log}`);
    });
    const hostKey = readFileSync(join(dir, 'host_key.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
    const target: BackupTarget = {
      kind: 'sftp',
      host: '127.0.0.1',
      port,
      user: userInfo().username,
      path: join(root, 'sftp-repo'),
      privateKey: readFileSync(join(dir, 'client_key'), 'utf8'),
      knownHosts: `[127.0.0.1]:${port} ${hostKey}`,
    };
    await roundTrip(root, target);

    // a host key other than the pinned one: refused, nothing saved
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'other_key')]);
    const other = readFileSync(join(dir, 'other_key.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
    const c = new BackupService({ dataDir: join(root, 'c') });
    const settings = {
      target: { ...target, knownHosts: `[127.0.0.1]:${port} ${other}` },
      schedule: { everyMs: 60_000 },
      retention: { daily: 1, weekly: 0, monthly: 0 },
      verify: {},
    };
    expect(await codeOf(c.writeSettings(settings, KEY))).toBe('UNREACHABLE');
  });
});
