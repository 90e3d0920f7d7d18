import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newMasterKey } from '../../src/crypto/key-wraps.ts';
import { CHUNK_BYTES, FolderError, MailboxStore } from '../../src/storage/mailbox-store.ts';
import { MAILBOX_MIGRATIONS } from '../../src/storage/mailbox-schema.ts';
import { openDatabase, WrongKeyError } from '../../src/storage/sqlite-adapter.ts';
import { schemaVersion } from '../../src/storage/migrations.ts';
import { mailboxDatabaseKey } from '../../src/crypto/mailbox-keys.ts';
import { sampleMessage } from '../helpers/messages.ts';
import { useTmpDir } from '../helpers/tmp.ts';

const tmp = useTmpDir();

function openFresh() {
  const dir = tmp();
  const key = newMasterKey();
  const path = join(dir, 'mbx.db');
  const store = MailboxStore.open(path, key);
  return { dir, key, path, store, inbox: store.getFolder('INBOX')!.id };
}

describe('mailbox store: file and schema', () => {
  it('creates special-use folders, is versioned, and refuses a wrong key', () => {
    const { path, key, store } = openFresh();
    expect(store.listFolders().map((f) => [f.name, f.specialUse])).toEqual([
      ['INBOX', null],
      ['Archive', '\\Archive'],
      ['Drafts', '\\Drafts'],
      ['Junk', '\\Junk'],
      ['Sent', '\\Sent'],
      ['Trash', '\\Trash'],
    ]);
    store.append(store.getFolder('INBOX')!.id, sampleMessage(1, { body: 'secret-canary-words' }));
    store.close();

    const db = openDatabase(path, { key: mailboxDatabaseKey(key) });
    expect(schemaVersion(db)).toBe(MAILBOX_MIGRATIONS.length);
    db.close();
    expect(() => MailboxStore.open(path, newMasterKey())).toThrow(WrongKeyError);
    expect(() => openDatabase(path, { key: null })).toThrow();
    // The file on disk is ciphertext: not the SQLite magic, not the body text.
    const bytes = readFileSync(path);
    expect(bytes.subarray(0, 15).toString()).not.toBe('SQLite format 3');
    expect(bytes.includes(Buffer.from('secret-canary-words'))).toBe(false);
    const again = MailboxStore.open(path, key);
    expect(again.fetch(again.getFolder('INBOX')!.id).length).toBe(1);
    again.close();
  });
});

describe('mailbox store: messages', () => {
  it('appends with increasing UIDs and modseqs, fetches ranges and raw bytes', () => {
    const { store, inbox } = openFresh();
    const results = [1, 2, 3, 4, 5].map((i) =>
      store.append(inbox, { ...sampleMessage(i), flags: i % 2 ? ['\\Seen'] : [] }),
    );
    expect(results.map((r) => r.uid)).toEqual([1, 2, 3, 4, 5]);
    expect(results.map((r) => r.modseq)).toEqual([2, 3, 4, 5, 6]);
    const f = store.folderById(inbox);
    expect(f.uidnext).toBe(6);
    expect(f.highestmodseq).toBe(6);
    expect(
      store
        .fetch(inbox, [
          [2, 3],
          [5, Infinity],
        ])
        .map((m) => m.uid),
    ).toEqual([2, 3, 5]);
    const m = store.fetch(inbox, [[1, 1]])[0]!;
    expect(m.flags).toEqual(['\\Seen']);
    expect(m.summary).toMatchObject({ subject: 'Message number 1' });
    expect(store.readRaw(inbox, 3)!.equals(sampleMessage(3).raw)).toBe(true);
    expect(store.readRaw(inbox, 99)).toBeUndefined();
    expect(store.uids(inbox)).toEqual([1, 2, 3, 4, 5]);
    expect(store.folderStatus(inbox)).toMatchObject({ messages: 5, unseen: 2, uidnext: 6 });
    expect(store.usage().messages).toBe(5);
  });

  it('stores large messages in chunks and serves partial reads', () => {
    const { store, inbox } = openFresh();
    const raw = randomBytes(CHUNK_BYTES * 3 + 123);
    const { uid } = store.append(inbox, { raw, summary: {}, text: {} });
    expect(store.readRaw(inbox, uid)!.equals(raw)).toBe(true);
    expect(
      store
        .readRawRange(inbox, uid, CHUNK_BYTES - 10, 20)!
        .equals(raw.subarray(CHUNK_BYTES - 10, CHUNK_BYTES + 10)),
    ).toBe(true);
    expect(store.readRawRange(inbox, uid, raw.length - 5, 100)!.equals(raw.subarray(raw.length - 5))).toBe(
      true,
    );
    expect(Buffer.concat([...store.readRawChunks(inbox, uid)]).equals(raw)).toBe(true);
    const empty = store.append(inbox, { raw: Buffer.alloc(0), summary: {}, text: {} });
    expect(store.readRaw(inbox, empty.uid)!.length).toBe(0);
  });

  it('stores flags with CONDSTORE semantics', () => {
    const { store, inbox } = openFresh();
    for (let i = 1; i <= 4; i++) store.append(inbox, sampleMessage(i));
    const r1 = store.storeFlags(inbox, [[1, 2]], 'add', ['\\Seen', '$Important']);
    expect(r1.changed.map((c) => [c.uid, c.flags, c.modseq])).toEqual([
      [1, ['$Important', '\\Seen'], 6],
      [2, ['$Important', '\\Seen'], 6],
    ]);
    // No-op changes do not bump modseq.
    expect(store.storeFlags(inbox, [[1, 1]], 'add', ['\\seen']).changed).toEqual([]);
    const r2 = store.storeFlags(inbox, [[1, 4]], 'remove', ['\\SEEN'], { unchangedSince: 5 });
    expect(r2.modified).toEqual([1, 2]);
    expect(r2.changed).toEqual([]);
    const r3 = store.storeFlags(inbox, [[3, 3]], 'set', ['\\Flagged']);
    expect(r3.changed[0]).toMatchObject({ uid: 3, flags: ['\\Flagged'], modseq: 7 });
    expect(store.fetch(inbox, undefined, { changedSince: 6 }).map((m) => m.uid)).toEqual([3]);
    expect(store.folderById(inbox).highestmodseq).toBe(7);
  });

  it('copies without duplicating bodies, moves with new UIDs, expunges', () => {
    const { store, inbox } = openFresh();
    for (let i = 1; i <= 3; i++) store.append(inbox, sampleMessage(i));
    const archive = store.getFolder('Archive')!.id;
    const trash = store.getFolder('Trash')!.id;
    const c = store.copy(inbox, [[1, 2]], archive);
    expect(c.mapping).toEqual([
      [1, 1],
      [2, 2],
    ]);
    const mv = store.move(inbox, [[2, 3]], trash);
    expect(mv.mapping).toEqual([
      [2, 1],
      [3, 2],
    ]);
    expect(store.uids(inbox)).toEqual([1]);
    expect(store.readRaw(trash, 1)!.equals(sampleMessage(2).raw)).toBe(true);
    // The copy in Archive survives the expunge of the original body's other users.
    store.storeFlags(trash, [[1, 2]], 'add', ['\\Deleted']);
    expect(store.expunge(trash)).toEqual([1, 2]);
    expect(store.readRaw(archive, 2)!.equals(sampleMessage(2).raw)).toBe(true);
    store.storeFlags(archive, [[1, 2]], 'add', ['\\Deleted']);
    expect(store.expunge(archive, [[2, 2]])).toEqual([2]);
    expect(store.uids(archive)).toEqual([1]);
    // Bodies referenced by nothing are gone, their search index rows too.
    expect(store.search(archive, { body: ['body'] })).toEqual([1]);
    expect(store.search(inbox, { body: ['body'] })).toEqual([1]);
    expect(store.usage().messages).toBe(2);
    const changes = store.changesSince(0, inbox).map((x) => [x.kind, x.uid]);
    expect(changes).toEqual([
      ['exists', 1],
      ['exists', 2],
      ['exists', 3],
      ['expunge', 2],
      ['expunge', 3],
    ]);
  });

  it('searches text through FTS and the other criteria through SQL', () => {
    const { store, inbox } = openFresh();
    store.append(inbox, {
      ...sampleMessage(1, { body: 'Invoice attached for the Zürich office' }),
      internalDate: 1000,
      flags: ['\\Seen'],
    });
    store.append(inbox, {
      ...sampleMessage(2, { body: 'Lunch tomorrow?', subject: 'Lunch plans' }),
      internalDate: 2000,
    });
    store.append(inbox, {
      ...sampleMessage(3, { body: 'Invoices for March', size: 5000 }),
      internalDate: 3000,
    });
    expect(store.search(inbox, { body: ['invoice'] })).toEqual([1, 3]);
    expect(store.search(inbox, { body: ['zurich'] })).toEqual([1]);
    expect(store.search(inbox, { text: ['lunch plans'] })).toEqual([2]);
    expect(store.search(inbox, { subject: ['lunch'] })).toEqual([2]);
    expect(store.search(inbox, { from: ['alice@example.org'] })).toEqual([1, 2, 3]);
    expect(store.search(inbox, { to: ['carol'] })).toEqual([]);
    expect(store.search(inbox, { notFlags: ['\\Seen'] })).toEqual([2, 3]);
    expect(store.search(inbox, { flags: ['\\Seen'] })).toEqual([1]);
    expect(store.search(inbox, { since: 2000, before: 3000 })).toEqual([2]);
    expect(store.search(inbox, { larger: 1000 })).toEqual([3]);
    expect(store.search(inbox, { not: [{ body: ['invoice'] }] })).toEqual([2]);
    expect(store.search(inbox, { or: [[{ uids: [[1, 1]] }, { subject: ['lunch'] }]] })).toEqual([1, 2]);
    expect(store.search(inbox, { body: ['"quoted" (odd) AND OR *'] })).toEqual([]);
    expect(store.search(inbox, { body: ['!!!'] })).toEqual([1, 2, 3]);
    expect(store.search(inbox, { sentSince: Date.parse('2023-12-31') })).toEqual([1, 2, 3]);
  });

  it('manages folders: create, rename with children, subscribe, delete', () => {
    const { store } = openFresh();
    const a = store.createFolder('Projects');
    store.createFolder('Projects/2024');
    expect(() => store.createFolder('projects/2024/')).not.toThrow(); // case matters outside INBOX
    expect(() => store.createFolder('Projects')).toThrow(FolderError);
    store.renameFolder('Projects', 'Work');
    expect(store.getFolder('Work')!.uidvalidity).toBe(a.uidvalidity);
    expect(store.getFolder('Work/2024')).toBeDefined();
    store.setSubscribed('Work', false);
    expect(store.getFolder('Work')!.subscribed).toBe(false);
    const id = store.getFolder('Work')!.id;
    store.append(id, sampleMessage(1));
    store.deleteFolder('Work');
    expect(store.getFolder('Work')).toBeUndefined();
    expect(() => store.deleteFolder('INBOX')).toThrow(FolderError);
    // A re-created name gets a new UIDVALIDITY.
    expect(store.createFolder('Work').uidvalidity).toBeGreaterThan(a.uidvalidity);
    expect(store.getFolder('inbox')!.name).toBe('INBOX');
  });

  it('records spool receipts in the same transaction as the append', () => {
    const { store, inbox } = openFresh();
    const first = store.append(inbox, { ...sampleMessage(1), spoolId: 'sp-1' });
    const second = store.append(inbox, { ...sampleMessage(1), spoolId: 'sp-1' });
    expect(first.duplicate).toBe(false);
    expect(second.duplicate).toBe(true);
    expect(store.uids(inbox)).toEqual([1]);
    expect(store.hasSpoolReceipt('sp-1')).toBe(true);
  });

  it('sees changes made by another connection (another process)', () => {
    const { store, inbox, path, key } = openFresh();
    const other = MailboxStore.open(path, key);
    const mark = store.lastChangeId();
    other.append(inbox, sampleMessage(1));
    expect(store.changesSince(mark).map((c) => c.kind)).toEqual(['exists']);
    expect(store.uids(inbox)).toEqual([1]);
    other.close();
  });
});
