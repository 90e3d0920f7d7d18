/**
 * Restore drill on VPS 10 (the old server) and VPS 11 (a new one), through the app's own handlers:
 * mail (swaks to the MX), a calendar event and a contact (HTTP PUT over the web role's /dav/) on VPS
 * 10; backups turned on with a key made by the app; a backup; the repository downloaded to this
 * laptop; restored onto VPS 11 from that copy; the SAME mailbox password opens VPS 11 and every
 * message, the event and the contact hash the same; verifyRestore counts; the DNS changes name both
 * addresses; one mailbox restored on VPS 10 after a deletion (the message comes back, the replaced
 * file kept aside); a damaged file of the laptop copy is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
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
import { cleanStack, connectVps, deployerFor, ensureServerImage } from '../support/server-stack';
import { scanFingerprint } from '../support/ssh';

const run = promisify(execFile);
const OLD = 10;
const NEW = 11;
const DOMAIN = 'facteur10.test';
const MAIL_HOST = `mail.${DOMAIN}`;
const ADDRESS = `carol@${DOMAIN}`;
const ENV = { FACTEUR_SSH_READY_MS: '15000', FACTEUR_SSH_COMMAND_MS: '60000', FACTEUR_BACKUP_POLL_MS: '300' };
const EVENT =
  'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//facteur test//EN\r\nBEGIN:VEVENT\r\nUID:drill-event\r\n' +
  'DTSTAMP:20250101T000000Z\r\nDTSTART:20250415T140000Z\r\nDTEND:20250415T150000Z\r\nSUMMARY:Restore drill\r\n' +
  'END:VEVENT\r\nEND:VCALENDAR\r\n';
const CARD =
  'BEGIN:VCARD\r\nVERSION:3.0\r\nUID:drill-card\r\nFN:Dora Drill\r\nN:Drill;Dora;;;\r\nEND:VCARD\r\n';

let call: ReturnType<typeof freshFacteur>['call'];
let home: string;
const vps: Record<number, VpsInfo> = {};
const ids: Record<number, string> = {};
let password: string;
let originals: string[] = [];

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

async function imap(n: number): Promise<ImapFlow> {
  const client = new ImapFlow({
    host: vps[n]!.host,
    port: 993,
    secure: true,
    tls: { servername: MAIL_HOST, rejectUnauthorized: false },
    auth: { user: ADDRESS, pass: password },
    logger: false,
  });
  await client.connect();
  return client;
}

/** sha256 of every message's full source, by subject. */
async function messageHashes(n: number): Promise<string[]> {
  const client = await imap(n);
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

async function dav(n: number, method: string, path: string, body?: string): Promise<string> {
  const args = ['-sk', '--fail-with-body', '-u', `${ADDRESS}:${password}`, '-X', method];
  const type = path.endsWith('.ics') ? 'text/calendar' : 'text/vcard';
  if (body !== undefined) args.push('-H', `Content-Type: ${type}; charset=utf-8`, '--data-binary', body);
  args.push('--resolve', `${MAIL_HOST}:443:${vps[n]!.host}`);
  const res = await run('curl', [...args, `https://${MAIL_HOST}/dav/${path}`]).catch(
    (err: { stdout?: string; message: string }) => {
      throw new Error(`${method} ${path}: ${err.stdout ?? ''} ${err.message.split('\n')[0]}`);
    },
  );
  return res.stdout;
}
const eventPath = `calendars/${ADDRESS}/default/drill-event.ics`;
const cardPath = `addressbooks/${ADDRESS}/default/drill-card.vcf`;

async function sendToMx(subject: string): Promise<void> {
  await run('swaks', [
    '--server',
    vps[OLD]!.host,
    '--port',
    '25',
    '--ehlo',
    'peer.example.net',
    '--from',
    'someone@example.net',
    '--to',
    ADDRESS,
    '--header',
    `Subject: ${subject}`,
    '--body',
    `Body of ${subject} ${randomBytes(8).toString('hex')}`,
    '--timeout',
    '30',
  ]);
}

beforeAll(async () => {
  const archive = await ensureServerImage();
  const first = freshFacteur(ENV);
  home = first.home;
  const records: Array<[number, string]> = [];
  for (const n of [OLD, NEW]) {
    vps[n] = await startVps(n);
    await cleanStack(n);
    await runOnVps(n, 'rm -rf /var/lib/facteur-backups');
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
  const vault = new Vault(join(home, 'vault.json'), new FileKeyProvider(join(home, 'vault.key')));
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
    config: loadConfig({ FACTEUR_HOME: home, ...ENV }),
    runtime: 'cli',
    version: 'test',
  });
  call = directCaller(createDispatcher(app.handlers));
  await call('addDomain', { serverId: ids[OLD]!, name: DOMAIN });
  password = (await call('createMailbox', { serverId: ids[OLD]!, address: ADDRESS })).password;
}, 900_000);

afterAll(async () => {
  for (const n of [OLD, NEW]) {
    await cleanStack(n).catch(() => undefined);
    await stopVps(n);
  }
});

describe('restore drill', () => {
  it('backs up mail, an event and a contact with a key made by the app', async () => {
    for (const s of ['First', 'Second', 'Third']) await sendToMx(`Drill ${s}`);
    await dav(OLD, 'PUT', eventPath, EVENT);
    await dav(OLD, 'PUT', cardPath, CARD);
    // Sealed mail moves into the mailbox at the first login.
    for (let i = 0; i < 60 && (originals = await messageHashes(OLD)).length < 3; i++)
      await new Promise((r) => setTimeout(r, 500));
    expect(originals).toHaveLength(3);

    const settings = await call('setBackupSettings', { serverId: ids[OLD]!, target: { kind: 'local' } });
    expect(settings).toMatchObject({ enabled: true, hasKey: true, target: { kind: 'local' } });
    const events: string[] = [];
    const done = await call('runBackup', { serverId: ids[OLD]!, operationId: 'backup-1' });
    expect(done.verified).toBe(true);
    const list = await call('listBackups', { id: ids[OLD]! });
    expect(list.snapshots.map((s) => s.id)).toContain(done.snapshotId);
    const contents = await call('backupContents', { serverId: ids[OLD]!, snapshotId: done.snapshotId });
    expect(contents.mailboxes.map((m) => m.address)).toEqual([ADDRESS]);
    expect(contents.domains).toContain(DOMAIN);
    void events;
  }, 300_000);

  it('downloads the repository to this laptop, then restores it onto a new server', async () => {
    const got = await call('downloadBackups', { serverId: ids[OLD]!, operationId: 'download-1' });
    expect(got.filesDownloaded).toBeGreaterThan(3);
    const again = await call('downloadBackups', { serverId: ids[OLD]!, operationId: 'download-2' });
    expect(again.filesDownloaded).toBe(1); // only the config file is read again
    const [snapshot] = (await call('listBackups', { id: ids[OLD]! })).snapshots;

    const restored = await call('restoreOntoNewServer', {
      fromServerId: ids[OLD]!,
      toServerId: ids[NEW]!,
      operationId: 'restore-new',
      snapshotId: snapshot!.id,
      from: 'laptop',
    });
    expect(restored.dnsChanges).toContainEqual({
      type: 'A',
      name: MAIL_HOST,
      from: vps[OLD]!.host,
      to: vps[NEW]!.host,
    });
    // The same password opens the new server; every message, the event and the contact are identical.
    expect(await messageHashes(NEW)).toEqual(originals);
    expect(sha(await dav(NEW, 'GET', eventPath))).toBe(sha(await dav(OLD, 'GET', eventPath)));
    expect(sha(await dav(NEW, 'GET', cardPath))).toBe(sha(await dav(OLD, 'GET', cardPath)));
    const verified = await call('verifyRestore', { serverId: ids[NEW]! });
    expect(verified.mailboxes).toEqual([
      { address: ADDRESS, messages: 3, events: 1, contacts: 1, integrity: 'ok' },
    ]);
  }, 600_000);

  it('restores one mailbox after a deletion: the message comes back, the replaced file is kept aside', async () => {
    const client = await imap(OLD);
    try {
      const lock = await client.getMailboxLock('INBOX');
      try {
        await client.messageDelete('1');
      } finally {
        lock.release();
      }
    } finally {
      await client.logout();
    }
    expect(await messageHashes(OLD)).toHaveLength(2);
    const [snapshot] = (await call('listBackups', { id: ids[OLD]! })).snapshots;
    const result = await call('restoreMailbox', {
      serverId: ids[OLD]!,
      operationId: 'restore-box',
      snapshotId: snapshot!.id,
      mailbox: ADDRESS,
    });
    expect(result.keptAside).toMatch(/restore-aside/);
    expect(await runOnVps(OLD, `ls -A ${result.keptAside}`)).not.toBe('');
    expect(await messageHashes(OLD)).toEqual(originals);
  }, 300_000);

  it('refuses a damaged file of the laptop copy with a clear message', async () => {
    const dir = join(home, 'backups', ids[OLD]!, 'snapshots');
    const [name] = readdirSync(dir);
    writeFileSync(join(dir, name!), Buffer.concat([readFileSync(join(dir, name!)), Buffer.from('x')]));
    const [snapshot] = (await call('listBackups', { id: ids[OLD]! })).snapshots;
    await expect(
      call('restoreServer', {
        serverId: ids[OLD]!,
        operationId: 'restore-bad',
        snapshotId: snapshot!.id,
        from: 'laptop',
      }),
    ).rejects.toMatchObject({ code: 'BACKUP_INVALID', message: expect.stringContaining('is damaged') });
  }, 120_000);
});
