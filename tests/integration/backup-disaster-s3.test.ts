/**
 * Disaster recovery from the backup target, VPS 10 (lost) -> VPS 11 (new), through the app's own
 * handlers: VPS 10's backups go to S3-compatible storage (s3rver over TLS on this machine, its
 * certificate trusted through the target's caCert, reached by both servers as s3.facteur.test);
 * VPS 10 is then switched off for good, and restoreOntoNewServer brings its mail back on VPS 11
 * from that storage: the same password opens it, every message hashes the same, verification counts
 * them, and the DNS changes name the old and the new address.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ImapFlow } from 'imapflow';
import { createApp } from '../../src/main/app';
import { loadConfig } from '../../src/main/config';
import { createDispatcher, directCaller } from '../../src/main/ipc/dispatcher';
import { writeDeployment } from '../../src/main/services/deploy/deployment-record';
import { FileKeyProvider } from '../../src/main/services/vault/file-key-provider';
import { Vault } from '../../src/main/services/vault/vault';
import { runOnVps, startVps, stopVps, type VpsInfo } from '../infra/testbed';
import { freshFacteur } from '../support/facteur';
import { ROOT, cleanStack, connectVps, deployerFor, ensureServerImage } from '../support/server-stack';
import { scanFingerprint } from '../support/ssh';

const run = promisify(execFile);
const OLD = 10;
const NEW = 11;
const DOMAIN = 'facteur10.test';
const MAIL_HOST = `mail.${DOMAIN}`;
const ADDRESS = `dave@${DOMAIN}`;
const S3_HOST = 's3.facteur.test';
const ENV = { FACTEUR_SSH_READY_MS: '15000', FACTEUR_SSH_COMMAND_MS: '60000', FACTEUR_BACKUP_POLL_MS: '300' };

let call: ReturnType<typeof freshFacteur>['call'];
const vps: Record<number, VpsInfo> = {};
const ids: Record<number, string> = {};
const storage: ChildProcess[] = [];
let s3Dir: string;
let s3Port: number;
let caCert: string;
let password: string;

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/**
 * One s3rver on the host side of a VPS's link (the only host address that VPS reaches). Both
 * serve the same directory: one storage, seen from each server under the same name.
 */
async function startStorage(address: string): Promise<void> {
  const script =
    'const [mod, address, port, directory, key, cert] = process.argv.slice(1);' +
    'const S3rver = require(mod);' +
    "const fs = require('node:fs');" +
    // path-style buckets: the storage's name is not itself a bucket
    'new S3rver({ address, port: Number(port), directory, silent: true, vhostBuckets: false,' +
    ' key: fs.readFileSync(key), cert: fs.readFileSync(cert) })' +
    ".run().then(() => console.log('ready'), (e) => { console.error(e); process.exit(1); });";
  const child = spawn(
    process.execPath,
    [
      '-e',
      script,
      join(ROOT, 'server-bundle/node_modules/s3rver'),
      address,
      String(s3Port),
      join(s3Dir, 'data'),
      join(s3Dir, 'key.pem'),
      join(s3Dir, 'cert.pem'),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  storage.push(child);
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-2000)));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.on('exit', (code) => reject(new Error(`s3rver on ${address} exited (${code}): ${log}`)));
  });
}

async function messageHashes(n: number): Promise<string[]> {
  const client = new ImapFlow({
    host: vps[n]!.host,
    port: 993,
    secure: true,
    tls: { servername: MAIL_HOST, rejectUnauthorized: false },
    auth: { user: ADDRESS, pass: password },
    logger: false,
  });
  await client.connect();
  try {
    const lock = await client.getMailboxLock('INBOX');
    try {
      const out: string[] = [];
      if ((client.mailbox as { exists: number }).exists === 0) return out;
      for await (const m of client.fetch('1:*', { source: true, envelope: true }))
        out.push(`${m.envelope?.subject} ${sha(m.source!)}`);
      return out.sort();
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
}

async function sendToMx(subject: string): Promise<void> {
  await run('swaks', [
    ...['--server', vps[OLD]!.host, '--port', '25', '--ehlo', 'peer.example.net'],
    ...['--from', 'someone@example.net', '--to', ADDRESS, '--header', `Subject: ${subject}`],
    ...['--body', `Body of ${subject} ${randomBytes(8).toString('hex')}`, '--timeout', '30'],
  ]);
}

beforeAll(async () => {
  const archive = await ensureServerImage();
  s3Dir = mkdtempSync(join(tmpdir(), 'facteur-s3-'));
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2'],
      ...['-subj', '/CN=facteur test storage', '-addext', `subjectAltName=DNS:${S3_HOST}`],
      ...['-keyout', join(s3Dir, 'key.pem'), '-out', join(s3Dir, 'cert.pem')],
    ],
    { stdio: 'ignore' },
  );
  caCert = readFileSync(join(s3Dir, 'cert.pem'), 'utf8');
  s3Port = await freePort();
  const first = freshFacteur(ENV);
  const records: Array<[number, string]> = [];
  for (const n of [OLD, NEW]) {
    vps[n] = await startVps(n);
    await cleanStack(n);
    // Before the deploy: host-networked containers take a copy of /etc/hosts when created.
    await runOnVps(
      n,
      `sed -i '/ ${S3_HOST}$/d' /etc/hosts && echo '${vps[n]!.hostSideAddress} ${S3_HOST}' >> /etc/hosts`,
    );
    await startStorage(vps[n]!.hostSideAddress);
    const conn = await connectVps(vps[n]!);
    try {
      const deployed = await deployerFor(conn, archive, {
        issueControlToken: true,
        serverConfig: { hostname: MAIL_HOST },
      }).deploy();
      records.push([n, deployed.controlToken!]);
    } finally {
      conn.close();
    }
    const profile = await first.call('addServer', {
      host: vps[n]!.host,
      port: vps[n]!.port,
      user: vps[n]!.user,
      name: `VPS ${n}`,
      auth: { kind: 'privateKey', privateKey: readFileSync(vps[n]!.clientKeyPath, 'utf8') },
      confirmedFingerprint: scanFingerprint(vps[n]!.host, vps[n]!.port),
    });
    ids[n] = profile.id;
  }
  const vault = new Vault(join(first.home, 'vault.json'), new FileKeyProvider(join(first.home, 'vault.key')));
  for (const [n, token] of records)
    await writeDeployment(vault, ids[n]!, {
      version: archive.manifest.version,
      imageId: archive.manifest.imageId,
      hostname: MAIL_HOST,
      domain: DOMAIN,
      controlPort: 8025,
      controlToken: token,
      deployedAt: new Date().toISOString(),
    });
  const app = createApp({
    config: loadConfig({ FACTEUR_HOME: first.home, ...ENV }),
    runtime: 'cli',
    version: 'test',
  });
  call = directCaller(createDispatcher(app.handlers));
  await call('addDomain', { serverId: ids[OLD]!, name: DOMAIN });
  password = (await call('createMailbox', { serverId: ids[OLD]!, address: ADDRESS })).password;
}, 900_000);

afterAll(async () => {
  for (const child of storage) child.kill('SIGTERM');
  for (const n of [OLD, NEW]) {
    await startVps(n).catch(() => undefined); // the "lost" one too, to clean it
    await cleanStack(n).catch(() => undefined);
    await runOnVps(n, `sed -i '/ ${S3_HOST}$/d' /etc/hosts`).catch(() => undefined);
    await stopVps(n);
  }
  if (s3Dir) rmSync(s3Dir, { recursive: true, force: true });
});

describe('disaster recovery from S3', () => {
  it('backs up to S3, loses the server, and restores its mail onto a new one from the storage', async () => {
    for (const s of ['One', 'Two', 'Three']) await sendToMx(`Disaster ${s}`);
    let originals: string[] = [];
    // Sealed mail moves into the mailbox at the first login.
    for (let i = 0; i < 60 && (originals = await messageHashes(OLD)).length < 3; i++)
      await new Promise((r) => setTimeout(r, 500));
    expect(originals).toHaveLength(3);

    const settings = await call('setBackupSettings', {
      serverId: ids[OLD]!,
      target: {
        kind: 's3',
        endpoint: `https://${S3_HOST}:${s3Port}`,
        bucket: 'facteur-backups',
        prefix: 'vps10',
        region: 'us-east-1',
        accessKeyId: 'S3RVER',
        secretAccessKey: 'S3RVER',
        caCert,
      },
    });
    expect(settings).toMatchObject({ enabled: true, hasKey: true, target: { kind: 's3', prefix: 'vps10' } });
    const done = await call('runBackup', { serverId: ids[OLD]!, operationId: 'backup-s3' });
    expect(done.verified).toBe(true);

    // The old server is gone: no SSH, no control API, only the storage holds its mail.
    await stopVps(OLD);
    const restored = await call('restoreOntoNewServer', {
      fromServerId: ids[OLD]!,
      toServerId: ids[NEW]!,
      operationId: 'restore-from-s3',
      snapshotId: done.snapshotId,
      from: 'target',
    });
    expect(restored.dnsChanges).toContainEqual({
      type: 'A',
      name: MAIL_HOST,
      from: vps[OLD]!.host,
      to: vps[NEW]!.host,
    });
    expect(await messageHashes(NEW)).toEqual(originals);
    const verified = await call('verifyRestore', { serverId: ids[NEW]! });
    expect(verified.mailboxes).toEqual([
      { address: ADDRESS, messages: 3, events: 0, contacts: 0, integrity: 'ok' },
    ]);
    // The new server keeps backing up to the same storage with the same key.
    const list = await call('listBackups', { id: ids[NEW]! });
    expect(list.snapshots.map((s) => s.id)).toContain(done.snapshotId);
  }, 600_000);
});
