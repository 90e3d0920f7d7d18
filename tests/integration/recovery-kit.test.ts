/**
 * The recovery kit on VPS 12: Facteur A (its own data directory and vault) knows a deployed server
 * with a mailbox and exports its kit; a fresh Facteur B, holding nothing but that file and its
 * passphrase, imports it and regains access: the SSH connection insists on the host key confirmed
 * on A, the control API answers (health, mailboxes) with the token that came across, and a mailbox
 * password reset works, which needs the recovery key from A's vault (checked with a real IMAP login).
 * A took a backup before the laptop was "lost" and then a message was deleted: B, with the backup key
 * from the kit, lists that backup and restores the whole server from it, and the message is back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import type { ServerProfile } from '../../src/shared/contract';
import type { ExportedRecoveryKit } from '../../src/shared/recovery-kit';
import { stopVps } from '../infra/testbed';
import { freshFacteur } from '../support/facteur';
import { deployedFacteur, type MailAdminBed } from '../support/mail-admin-bed';
import { cleanStack } from '../support/server-stack';

const N = 12;
const DOMAIN = 'facteur12.test';
const MAIL_HOST = `mail.${DOMAIN}`;
const ADDRESS = `kit@${DOMAIN}`;
const PASSPHRASE = 'lantern orchard 47 quietly';
const ENV = { FACTEUR_SSH_READY_MS: '15000', FACTEUR_SSH_COMMAND_MS: '30000' };

let a: MailAdminBed;
let b: ReturnType<typeof freshFacteur>;
let kit: ExportedRecoveryKit;
let profileOnA: ServerProfile;
let firstPassword: string;
let snapshotId: string;

async function inboxSubjects(pass: string): Promise<string[]> {
  const client = new ImapFlow({
    host: a.vps.host,
    port: 993,
    secure: true,
    tls: { servername: MAIL_HOST, rejectUnauthorized: false },
    auth: { user: ADDRESS, pass },
    logger: false,
  });
  await client.connect();
  try {
    const lock = await client.getMailboxLock('INBOX');
    try {
      const out: string[] = [];
      if ((client.mailbox as { exists: number }).exists === 0) return out;
      for await (const m of client.fetch('1:*', { envelope: true })) out.push(m.envelope?.subject ?? '');
      return out;
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
}

const canLogIn = (pass: string): Promise<boolean> =>
  inboxSubjects(pass).then(
    () => true,
    () => false,
  );

beforeAll(async () => {
  a = await deployedFacteur(N, MAIL_HOST, ENV);
}, 600_000);

afterAll(async () => {
  a?.conn.close();
  await cleanStack(N).catch(() => undefined);
  await stopVps(N);
});

describe('on the first computer', () => {
  it('has a mailbox, a backup of its mail taken before the mail was deleted, and exports the kit and its sheet', async () => {
    await a.call('addDomain', { serverId: a.serverId, name: DOMAIN });
    const created = await a.call('createMailbox', { serverId: a.serverId, address: ADDRESS });
    const client = new ImapFlow({
      host: a.vps.host,
      port: 993,
      secure: true,
      tls: { servername: MAIL_HOST, rejectUnauthorized: false },
      auth: { user: ADDRESS, pass: created.password },
      logger: false,
    });
    await client.connect();
    await client.append(
      'INBOX',
      `From: a@example.net\r\nTo: ${ADDRESS}\r\nSubject: before the laptop was lost\r\n\r\nHi.\r\n`,
    );
    firstPassword = created.password;

    // A backup on the server (key made on A and kept in its vault), then the message is deleted.
    await a.call('setBackupSettings', { serverId: a.serverId, target: { kind: 'local' } });
    const backup = await a.call('runBackup', { serverId: a.serverId, operationId: 'kit-backup' });
    expect(backup.verified).toBe(true);
    snapshotId = backup.snapshotId;
    await client.mailboxOpen('INBOX');
    await client.messageDelete('1:*');
    await client.logout();
    expect(await inboxSubjects(firstPassword)).toEqual([]);
    profileOnA = (await a.call('listServers', {}))[0]!;

    await expect(
      a.call('exportRecoveryKit', { passphrase: 'short', confirmPassphrase: 'short' }),
    ).rejects.toMatchObject({ code: 'PASSPHRASE_WEAK' });
    kit = await a.call('exportRecoveryKit', { passphrase: PASSPHRASE, confirmPassphrase: PASSPHRASE });
    expect(kit.fileName).toMatch(/^facteur-recovery-kit-\d{4}-\d{2}-\d{2}\.facteurkit$/);
    // The file is sealed: no key, token or fingerprint reads through it.
    expect(kit.content).not.toContain(profileOnA.hostKeyFingerprint);
    expect(kit.content).not.toContain('PRIVATE KEY');
    expect(kit.sheet.servers).toEqual([
      expect.objectContaining({
        name: `VPS ${N}`,
        address: `${a.vps.user}@${a.vps.host}:${a.vps.port}`,
        hostKeyFingerprint: profileOnA.hostKeyFingerprint,
        backupKey: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        backupLocation: expect.stringContaining('/var/lib/facteur-backups/restic'),
      }),
    ]);
    expect(kit.sheetHtml).toContain(kit.sheet.servers[0]!.backupKey);
    expect(kit.sheetHtml).toContain(profileOnA.hostKeyFingerprint);
    expect(kit.sheetHtml).not.toContain(PASSPHRASE);
  }, 300_000);
});

describe('on a new computer holding only the kit', () => {
  it('starts empty and imports nothing with a wrong passphrase or a cut file', async () => {
    b = freshFacteur(ENV);
    expect(existsSync(join(b.home, 'vault.json'))).toBe(false);
    expect(await b.call('listServers', {})).toEqual([]);
    await expect(
      b.call('importRecoveryKit', { content: kit.content, passphrase: 'lantern orchard 47 quietly!' }),
    ).rejects.toMatchObject({ code: 'KIT_WRONG_PASSPHRASE' });
    await expect(
      b.call('importRecoveryKit', {
        content: kit.content.slice(0, kit.content.length / 2),
        passphrase: PASSPHRASE,
      }),
    ).rejects.toMatchObject({ code: 'KIT_DAMAGED' });
    expect(await b.call('listServers', {})).toEqual([]);
  });

  it('imports the kit and says what was restored', async () => {
    const imported = await b.call('importRecoveryKit', { content: kit.content, passphrase: PASSPHRASE });
    const name = `VPS ${N}`;
    expect(imported.items).toEqual(
      expect.arrayContaining([
        { kind: 'server', subject: name, outcome: 'added' },
        { kind: 'ssh-key', subject: name, outcome: 'added' },
        { kind: 'control-access', subject: name, outcome: 'added' },
        { kind: 'recovery-key', subject: name, outcome: 'added' },
        { kind: 'backup-key', subject: name, outcome: 'added' },
      ]),
    );
    expect(imported.items.every((i) => i.outcome === 'added')).toBe(true);
    expect(await b.call('listServers', {})).toEqual([profileOnA]);
  });

  it('connects with the host key confirmed on the first computer and reads the server through the control API', async () => {
    const checked = await b.call('checkServer', { id: profileOnA.id });
    expect(checked.hostKeyFingerprint).toBe(profileOnA.hostKeyFingerprint);
    expect(checked.facts?.dockerVersion).toBeTruthy();
    const health = await b.call('serverHealth', { id: profileOnA.id });
    expect(health.roles.length).toBeGreaterThan(0);
    expect(health.redis).toBe('up');
    const mailboxes = await b.call('listMailboxes', { id: profileOnA.id });
    expect(mailboxes.map((m) => m.address)).toContain(ADDRESS);
  });

  it('restores the whole server from the backup taken on the first computer: the deleted message is back', async () => {
    const list = await b.call('listBackups', { id: profileOnA.id });
    expect(list.snapshots.map((s) => s.id)).toContain(snapshotId);
    const restored = await b.call('restoreServer', {
      serverId: profileOnA.id,
      operationId: 'kit-restore',
      snapshotId,
    });
    expect(restored.snapshotId).toBe(snapshotId);
    expect(await inboxSubjects(firstPassword)).toEqual(['before the laptop was lost']);
    const verified = await b.call('verifyRestore', { serverId: profileOnA.id });
    expect(verified.mailboxes).toEqual([expect.objectContaining({ address: ADDRESS, messages: 1 })]);
  }, 300_000);

  it('resets a mailbox password with the recovery key that came in the kit; the mail is still there', async () => {
    const reset = await b.call('resetMailboxPassword', { serverId: profileOnA.id, address: ADDRESS });
    expect(reset.address).toBe(ADDRESS);
    expect(await inboxSubjects(reset.password)).toEqual(['before the laptop was lost']);
    expect(await canLogIn(`${reset.password}x`)).toBe(false);
  });
});
