// Calendars and address books in the mailbox file: migration from v1, ETags and preconditions,
// sync tokens (RFC 6578), time ranges over stored spans incl. recurrence windows.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  indexCalendarObject,
  indexContact,
  InvalidObjectError,
  occursIn,
} from '../../src/domain/calendar-index.ts';
import { DavStoreError } from '../../src/storage/dav-store.ts';
import { MailboxStore } from '../../src/storage/mailbox-store.ts';
import { MAILBOX_MIGRATIONS } from '../../src/storage/mailbox-schema.ts';
import { migrate, schemaVersion } from '../../src/storage/migrations.ts';
import { openDatabase } from '../../src/storage/sqlite-adapter.ts';
import { useTmpDir } from '../helpers/tmp.ts';
import { vevent } from './dav-fixtures.ts';

const tmp = useTmpDir('facteur-dav-store-');
const K = Buffer.alloc(32, 7);

const vcard = (uid: string, name: string) =>
  `BEGIN:VCARD\r\nVERSION:4.0\r\nUID:${uid}\r\nFN:${name}\r\nEND:VCARD\r\n`;

const T = (s: string) => Date.parse(s);

describe('DAV storage', () => {
  it('adds the DAV tables to a v1 mailbox file and creates one calendar and one address book', () => {
    const path = join(tmp(), 'm.db');
    const db = openDatabase(path, { key: null });
    migrate(db, MAILBOX_MIGRATIONS.slice(0, 1));
    expect(schemaVersion(db)).toBe(1);
    db.close();
    const store = MailboxStore.open(path, null, { plaintext: true });
    expect(store.getFolder('INBOX')).toBeDefined();
    expect(store.dav.listCollections('calendar').map((c) => c.name)).toEqual(['default']);
    expect(store.dav.listCollections('addressbook').map((c) => [c.name, c.displayName])).toEqual([
      ['default', 'Contacts'],
    ]);
    store.close();
    const again = openDatabase(path, { key: null });
    expect(schemaVersion(again)).toBe(MAILBOX_MIGRATIONS.length);
    again.close();
  });

  it('stores objects with ETags, refuses stale writes (412) and UID clashes', () => {
    const store = MailboxStore.open(join(tmp(), 'm.db'), K);
    const dav = store.dav;
    const cal = dav.getCollection('calendar', 'default')!;
    const text = vevent('a1', '20250301T100000Z', '20250301T110000Z');
    const put = dav.putObject(cal.id, 'a1.ics', text, indexCalendarObject(text), { ifNoneMatch: true });
    expect(put.created).toBe(true);
    expect(put.etag).toMatch(/^"[\w-]{27}"$/);
    expect(() =>
      dav.putObject(cal.id, 'a1.ics', text, indexCalendarObject(text), { ifNoneMatch: true }),
    ).toThrow(expect.objectContaining({ code: 'PRECONDITION' }));
    const edited = text.replace('SUMMARY:Event a1', 'SUMMARY:Moved');
    expect(() =>
      dav.putObject(cal.id, 'a1.ics', edited, indexCalendarObject(edited), { ifMatch: '"stale"' }),
    ).toThrow(DavStoreError);
    const upd = dav.putObject(cal.id, 'a1.ics', edited, indexCalendarObject(edited), { ifMatch: put.etag });
    expect(upd.created).toBe(false);
    expect(upd.etag).not.toBe(put.etag);
    expect(dav.getObject(cal.id, 'a1.ics')!.data).toBe(edited);
    expect(() => dav.putObject(cal.id, 'other.ics', edited, indexCalendarObject(edited))).toThrow(
      expect.objectContaining({ code: 'UID_CONFLICT' }),
    );
    expect(() => dav.deleteObject(cal.id, 'a1.ics', put.etag)).toThrow(
      expect.objectContaining({ code: 'PRECONDITION' }),
    );
    expect(dav.deleteObject(cal.id, 'a1.ics', upd.etag)).toBe(true);
    expect(dav.deleteObject(cal.id, 'a1.ics')).toBe(false);
    store.close();
  });

  it('answers changes since a sync token: additions, edits and deletions, per collection', () => {
    const store = MailboxStore.open(join(tmp(), 'm.db'), K);
    const dav = store.dav;
    const book = dav.getCollection('addressbook', 'default')!;
    const other = dav.createCollection('addressbook', 'work', { displayName: 'Work' });
    expect(() => dav.createCollection('addressbook', 'work')).toThrow(
      expect.objectContaining({ code: 'EXISTS' }),
    );
    for (const n of [1, 2, 3])
      dav.putObject(book.id, `c${n}.vcf`, vcard(`c${n}`, `N${n}`), indexContact(vcard(`c${n}`, `N${n}`)));
    dav.putObject(other.id, 'w.vcf', vcard('w', 'W'), indexContact(vcard('w', 'W')));
    const first = dav.changesSince(book.id, 0);
    expect(first.changes.map((c) => c.href)).toEqual(['c1.vcf', 'c2.vcf', 'c3.vcf']);
    expect(first.token).toBe(dav.getCollection('addressbook', 'default')!.syncToken);
    dav.putObject(book.id, 'c2.vcf', vcard('c2', 'Changed'), indexContact(vcard('c2', 'Changed')));
    dav.deleteObject(book.id, 'c1.vcf');
    const next = dav.changesSince(book.id, first.token);
    expect(next.changes).toEqual([
      { href: 'c2.vcf', deleted: false },
      { href: 'c1.vcf', deleted: true },
    ]);
    expect(next.token).toBeGreaterThan(first.token);
    expect(dav.changesSince(book.id, next.token).changes).toEqual([]);
    expect(dav.changesSince(book.id, 0).changes.map((c) => c.href)).toEqual(['c3.vcf', 'c2.vcf']);
    expect(() => dav.changesSince(book.id, next.token + 1000)).toThrow(
      expect.objectContaining({ code: 'INVALID_TOKEN' }),
    );
    expect(dav.deleteCollection(other.id)).toBe(true);
    store.close();
  });

  it('finds events by time range, recurring ones over their expanded window', () => {
    const store = MailboxStore.open(join(tmp(), 'm.db'), K);
    const dav = store.dav;
    const cal = dav.getCollection('calendar', 'default')!;
    const add = (href: string, text: string) => dav.putObject(cal.id, href, text, indexCalendarObject(text));
    add('march.ics', vevent('march', '20250301T100000Z', '20250301T110000Z'));
    add('june.ics', vevent('june', '20250601T100000Z', '20250601T110000Z'));
    // Every Monday from 6 Jan 2025, 10 times: last on 10 March.
    add('weekly.ics', vevent('weekly', '20250106T090000Z', '20250106T093000Z', 'RRULE:FREQ=WEEKLY;COUNT=10'));
    add('forever.ics', vevent('forever', '20240101T080000Z', '20240101T083000Z', 'RRULE:FREQ=YEARLY'));
    const paris = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:x',
      'BEGIN:VTIMEZONE',
      'TZID:Europe/Paris',
      'BEGIN:STANDARD',
      'DTSTART:19701025T030000',
      'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
      'TZOFFSETFROM:+0200',
      'TZOFFSETTO:+0100',
      'END:STANDARD',
      'BEGIN:DAYLIGHT',
      'DTSTART:19700329T020000',
      'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU',
      'TZOFFSETFROM:+0100',
      'TZOFFSETTO:+0200',
      'END:DAYLIGHT',
      'END:VTIMEZONE',
      'BEGIN:VEVENT',
      'UID:paris',
      'DTSTAMP:20250101T000000Z',
      'DTSTART;TZID=Europe/Paris:20250715T100000',
      'DTEND;TZID=Europe/Paris:20250715T110000',
      'END:VEVENT',
      'END:VCALENDAR',
      '',
    ].join('\r\n');
    expect(indexCalendarObject(paris).start).toBe(T('2025-07-15T08:00:00Z'));
    add('paris.ics', paris);
    const weekly = dav.getObject(cal.id, 'weekly.ics')!;
    expect([weekly.recurring, weekly.end]).toEqual([true, T('2025-03-10T09:30:00Z')]);
    expect(dav.getObject(cal.id, 'forever.ics')!.end).toBeNull();

    const query = (from: string, to: string) =>
      dav
        .objectsInRange(cal.id, T(from), T(to), 'VEVENT')
        .filter((o) => !o.recurring || occursIn(o.data!, T(from), T(to)))
        .map((o) => o.uid)
        .sort();
    expect(query('2025-03-01T00:00:00Z', '2025-03-02T00:00:00Z')).toEqual(['march']);
    // 3 March is a Monday of the weekly series; 1 Jan is the yearly one's day.
    expect(query('2025-03-03T00:00:00Z', '2025-03-04T00:00:00Z')).toEqual(['weekly']);
    expect(query('2025-03-04T00:00:00Z', '2025-03-05T00:00:00Z')).toEqual([]);
    expect(query('2030-01-01T00:00:00Z', '2030-01-02T00:00:00Z')).toEqual(['forever']);
    expect(query('2025-07-15T08:30:00Z', '2025-07-15T08:45:00Z')).toEqual(['paris']);
    expect(query('2025-07-15T09:00:00Z', '2025-07-15T10:00:00Z')).toEqual([]);
    expect(query('2025-01-01T00:00:00Z', '2025-12-31T00:00:00Z')).toEqual([
      'forever',
      'june',
      'march',
      'paris',
      'weekly',
    ]);
    store.close();
  });

  it('refuses objects it cannot index, in plain words', () => {
    expect(() => indexCalendarObject('hello')).toThrow(InvalidObjectError);
    expect(() => indexCalendarObject(vevent('', '20250301T100000Z', '20250301T110000Z'))).toThrow(/UID/);
    expect(() => indexContact('BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\nEND:VCARD\r\n')).toThrow(/needs a UID/);
  });
});
