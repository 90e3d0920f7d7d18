// The restore drill with a real restic and a local repository: back up a data dir with several
// mailboxes, restore it into a NEW data dir, and the mailbox passwords open byte-identical mail,
// events and contacts; one-mailbox restore keeps the replaced file aside; a wrong key is refused.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BackupError,
  BackupService,
  verifyMailbox,
  type BackupSettingsInput,
} from '../../src/backup/backup-service.ts';
import { MailCore } from '../../src/domain/mail-core.ts';
import { TEST_KDF } from '../helpers/core.ts';
import { useTmpDir } from '../helpers/tmp.ts';
import { addMail, fingerprint, PASSWORDS, populate } from './backup-fixtures.ts';

const tmp = useTmpDir('facteur-backup-');
const KEY = 'correct horse battery staple backup key';

const localSettings = (repo: string): BackupSettingsInput => ({
  target: { kind: 'local', path: repo },
  schedule: { everyMs: 3_600_000 },
  retention: { daily: 7, weekly: 4, monthly: 6 },
  verify: { readDataSubset: '100%' },
});

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    return err instanceof BackupError ? err.code : `not a BackupError: ${(err as Error).message}`;
  }
}

describe('backup drill (local repository)', () => {
  it('restores a whole server into a new data dir: passwords open byte-identical mail, events, contacts', async () => {
    const root = tmp();
    const dataA = join(root, 'a');
    const repo = join(root, 'repo');
    const { core } = await populate(dataA);
    const before: Record<string, Record<string, string>> = {};
    for (const a of Object.keys(PASSWORDS)) before[a] = await fingerprint(core, a);
    core.close();

    const a = new BackupService({ dataDir: dataA, serverVersion: 'test' });
    expect(await a.writeSettings(localSettings(repo), KEY)).toEqual({ created: true });
    expect((statSync(join(dataA, 'backup-key')).mode & 0o777).toString(8)).toBe('600');
    expect((statSync(join(dataA, 'backup.json')).mode & 0o777).toString(8)).toBe('600');
    const phases = new Set<string>();
    const snap = await a.run((p) => phases.add(p.phase));
    expect([...phases]).toEqual(
      expect.arrayContaining(['staging', 'uploading', 'checking', 'pruning', 'done']),
    );
    expect(snap).toMatchObject({ mailboxes: 3, verified: true });
    expect(snap.sizeBytes).toBeGreaterThan(0);
    // the staging tree never holds the backup key or settings
    const staged = readdirSync(join(dataA, '.backup-staging'));
    expect(staged).toEqual(
      expect.arrayContaining(['config.db', 'mailboxes', 'secrets.json', 'backup-manifest.json']),
    );
    expect(staged).not.toContain('backup-key');
    expect(staged).not.toContain('backup.json');
    expect(staged).not.toContain('backup-index.json');
    expect(staged).not.toContain('backup-status.json');

    const list = await a.list();
    expect(list.map((s) => s.id)).toEqual([snap.id]);
    expect(list[0]).toMatchObject({ verified: true, mailboxes: 3 });
    const manifest = await a.contents(snap.id);
    expect(manifest.mailboxes.map((m) => m.address).sort()).toEqual(Object.keys(PASSWORDS).sort());
    expect(manifest.domains).toEqual(['example.com']);
    expect(await a.status()).toMatchObject({ ok: true, snapshotId: snap.id });

    // a NEW server: same target and key -> the existing repository opens; the restore fills it
    const dataB = join(root, 'b');
    const b = new BackupService({ dataDir: dataB, serverVersion: 'test' });
    expect(await b.writeSettings(localSettings(repo), KEY)).toEqual({ created: false });
    const restored = await b.restore({ snapshotId: snap.id });
    expect(restored.mailboxes.length).toBe(3);
    expect(restored.asideDir).toBeUndefined();
    const coreB = await MailCore.open({ dataDir: dataB, kdfCost: TEST_KDF });
    try {
      for (const addr of Object.keys(PASSWORDS)) {
        expect(await fingerprint(coreB, addr)).toEqual(before[addr]);
        const { key } = await coreB.accounts.login(addr, PASSWORDS[addr]!);
        expect(await verifyMailbox(dataB, addr, key)).toEqual({
          messages: 5,
          events: 3,
          contacts: 3,
          integrity: 'ok',
        });
        expect(Object.keys(before[addr]!).length).toBe(11);
      }
    } finally {
      coreB.close();
    }

    // another key does not open that repository, and nothing is saved
    const dataC = join(root, 'c');
    const c = new BackupService({ dataDir: dataC });
    expect(await codeOf(c.writeSettings(localSettings(repo), 'not the key'))).toBe('WRONG_KEY');
    expect(existsSync(join(dataC, 'backup.json'))).toBe(false);
  });

  it('restores one mailbox and keeps the file it replaces aside; verifyMailbox refuses a wrong key', async () => {
    const root = tmp();
    const data = join(root, 'data');
    const { core } = await populate(data, { messages: 4, items: 2 });
    const alice = 'alice@example.com';
    const before = await fingerprint(core, alice);
    const bobBefore = await fingerprint(core, 'bob@example.com');
    const svc = new BackupService({ dataDir: data });
    await svc.writeSettings(localSettings(join(root, 'repo')), KEY);
    const snap = await svc.run();

    await addMail(core, alice, 3, 'after');
    await addMail(core, 'bob@example.com', 2, 'after');
    expect(Object.keys(await fingerprint(core, alice)).length).toBe(Object.keys(before).length + 3);

    const r = await svc.restore({ snapshotId: snap.id, mailbox: 'Alice@Example.com' });
    const id = core.config.findMailbox(alice)!.id;
    expect(r.mailboxes).toEqual([id]);
    expect(r.asideDir).toMatch(/restore-aside/);
    expect(existsSync(join(r.asideDir!, 'mailboxes', `${id}.db`))).toBe(true);
    expect(await fingerprint(core, alice)).toEqual(before);
    // bob untouched: still has the mail that arrived after the snapshot
    expect(Object.keys(await fingerprint(core, 'bob@example.com')).length).toBe(
      Object.keys(bobBefore).length + 2,
    );
    const { key } = await core.accounts.login(alice, PASSWORDS[alice]!);
    expect(await verifyMailbox(data, alice, key)).toMatchObject({ messages: 4, events: 2, contacts: 2 });
    const { key: bobKey } = await core.accounts.login('bob@example.com', PASSWORDS['bob@example.com']!);
    expect(await codeOf(verifyMailbox(data, alice, bobKey))).toBe('WRONG_KEY');
    expect(await codeOf(svc.restore({ snapshotId: snap.id, mailbox: 'nobody@example.com' }))).toBe(
      'NOT_FOUND',
    );
    core.close();
  });
});
