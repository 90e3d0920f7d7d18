// Free-busy (CALDAV:free-busy-query, RFC 4791 7.10) and contacts with photos in vCard 3.0 and 4.0,
// through the DAV role over HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { PASSWORD, startDavBed, type DavBed } from './dav-harness.ts';
import { vevent } from './dav-fixtures.ts';

let bed: DavBed;
const auth = { Authorization: `Basic ${Buffer.from(`alice@example.com:${PASSWORD}`).toString('base64')}` };
const cal = () => `${bed.base}/dav/calendars/alice@example.com/default/`;
const book = () => `${bed.base}/dav/addressbooks/alice@example.com/default/`;

beforeAll(async () => {
  bed = await startDavBed({ maxBodyBytes: 4 * 1024 * 1024 });
});
afterAll(() => bed?.stop());

async function send(
  method: string,
  url: string,
  body?: string | Buffer,
  headers: Record<string, string> = {},
) {
  const res = await fetch(url, { method, headers: { ...auth, ...headers }, body });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

const freeBusyQuery = (start: string, end: string) =>
  '<?xml version="1.0" encoding="utf-8"?><C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav">' +
  `<C:time-range start="${start}" end="${end}"/></C:free-busy-query>`;

/** The FREEBUSY lines of a free-busy answer, unfolded. */
const freeBusyLines = (text: string) =>
  text
    .replace(/\r\n[ \t]/g, '')
    .split('\r\n')
    .filter((l) => l.startsWith('FREEBUSY'));

describe('free-busy-query', () => {
  it('answers one VFREEBUSY: busy, tentative, recurring and overridden, clipped; transparent and cancelled are free', async () => {
    const put = async (name: string, ics: string) =>
      expect(
        (await send('PUT', `${cal()}${name}.ics`, ics, { 'Content-Type': 'text/calendar' })).status,
      ).toBe(201);
    await put('meeting', vevent('fb-meeting', '20250310T090000Z', '20250310T100000Z'));
    // Overlaps the meeting: merged into one period 09:00-10:30.
    await put('overlap', vevent('fb-overlap', '20250310T093000Z', '20250310T103000Z'));
    await put('maybe', vevent('fb-maybe', '20250311T140000Z', '20250311T150000Z', 'STATUS:TENTATIVE'));
    await put('free', vevent('fb-free', '20250312T080000Z', '20250312T090000Z', 'TRANSP:TRANSPARENT'));
    await put('off', vevent('fb-off', '20250312T100000Z', '20250312T110000Z', 'STATUS:CANCELLED'));
    // Daily 12:00-13:00 from 9 March for 5 days; the 11th moved to 16:00, the 12th cancelled.
    const series = vevent(
      'fb-daily',
      '20250309T120000Z',
      '20250309T130000Z',
      'RRULE:FREQ=DAILY;COUNT=5',
    ).replace(
      'END:VCALENDAR',
      [
        'BEGIN:VEVENT',
        'UID:fb-daily',
        'DTSTAMP:20250101T000000Z',
        'RECURRENCE-ID:20250311T120000Z',
        'DTSTART:20250311T160000Z',
        'DTEND:20250311T170000Z',
        'END:VEVENT',
        'BEGIN:VEVENT',
        'UID:fb-daily',
        'DTSTAMP:20250101T000000Z',
        'RECURRENCE-ID:20250312T120000Z',
        'DTSTART:20250312T120000Z',
        'DTEND:20250312T130000Z',
        'STATUS:CANCELLED',
        'END:VEVENT',
        'END:VCALENDAR',
      ].join('\r\n'),
    );
    await put('daily', series);
    // Starts before the range: clipped to its start.
    await put('early', vevent('fb-early', '20250309T230000Z', '20250310T010000Z'));

    const r = await send('REPORT', cal(), freeBusyQuery('20250310T000000Z', '20250313T000000Z'), {
      Depth: '1',
      'Content-Type': 'application/xml',
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/calendar/);
    const text = r.bytes.toString('utf8');
    expect(text).toMatch(
      /^BEGIN:VCALENDAR\r\n[\s\S]*BEGIN:VFREEBUSY\r\n[\s\S]*END:VFREEBUSY\r\nEND:VCALENDAR\r\n$/,
    );
    expect(text).toContain('DTSTART:20250310T000000Z\r\nDTEND:20250313T000000Z\r\n');
    expect(freeBusyLines(text)).toEqual([
      'FREEBUSY:20250310T000000Z/20250310T010000Z',
      'FREEBUSY:20250310T090000Z/20250310T103000Z',
      'FREEBUSY:20250310T120000Z/20250310T130000Z',
      'FREEBUSY;FBTYPE=BUSY-TENTATIVE:20250311T140000Z/20250311T150000Z',
      'FREEBUSY:20250311T160000Z/20250311T170000Z',
    ]);

    // A range with nothing busy, and one outside the series' end.
    const empty = await send('REPORT', cal(), freeBusyQuery('20250314T000000Z', '20250320T000000Z'), {
      Depth: '1',
    });
    expect(empty.status).toBe(200);
    expect(freeBusyLines(empty.bytes.toString())).toEqual([]);
    // The calendar lists the report; a missing or backwards range is refused.
    const props = await send(
      'PROPFIND',
      cal(),
      '<D:propfind xmlns:D="DAV:"><D:prop><D:supported-report-set/></D:prop></D:propfind>',
      { Depth: '0' },
    );
    expect(props.bytes.toString()).toContain('free-busy-query');
    const bad = await send('REPORT', cal(), '<C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav"/>', {
      Depth: '1',
    });
    expect(bad.status).toBe(400);
    const backwards = await send('REPORT', cal(), freeBusyQuery('20250313T000000Z', '20250310T000000Z'));
    expect(backwards.status).toBe(400);
  });
});

/** Folds a content line at 75 octets as vCard 3.0 / 4.0 writers do (CRLF + one space). */
function fold(line: string): string {
  const parts: string[] = [];
  for (let i = 0; i < line.length; i += i === 0 ? 75 : 74) parts.push(line.slice(i, i === 0 ? 75 : i + 74));
  return parts.join('\r\n ');
}

describe('contacts with photos', () => {
  // Random bytes behind a JPEG / PNG signature: any byte value must come back as it was sent.
  const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(48 * 1024)]);
  const png = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), randomBytes(48 * 1024)]);
  const v3 = [
    'BEGIN:VCARD',
    'VERSION:3.0',
    'UID:photo-v3',
    'FN:Zoë Ångström',
    'N:Ångström;Zoë;;;',
    fold(`PHOTO;ENCODING=b;TYPE=JPEG:${jpeg.toString('base64')}`),
    'END:VCARD',
    '',
  ].join('\r\n');
  const v4 = [
    'BEGIN:VCARD',
    'VERSION:4.0',
    'UID:urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1',
    'FN:Łukasz Żółć',
    fold(`PHOTO:data:image/png;base64,${png.toString('base64')}`),
    'END:VCARD',
    '',
  ].join('\r\n');

  /** The photo's bytes, decoded from a vCard's text. */
  const photoOf = (text: string): Buffer => {
    const line = text
      .replace(/\r\n[ \t]/g, '')
      .split('\r\n')
      .find((l) => l.startsWith('PHOTO'))!;
    return Buffer.from(line.slice(line.lastIndexOf(',') + 1).replace(/^.*:/, ''), 'base64');
  };

  it('stores vCard 3.0 (PHOTO;ENCODING=b) and 4.0 (data: URI) and gives back the same bytes, by GET and in reports', async () => {
    expect(photoOf(v3).equals(jpeg)).toBe(true);
    expect(photoOf(v4).equals(png)).toBe(true);
    for (const [name, text] of [
      ['zoe.vcf', v3],
      ['lukasz.vcf', v4],
    ] as const) {
      const put = await send('PUT', `${book()}${name}`, text, {
        'Content-Type': 'text/vcard; charset=utf-8',
      });
      expect(put.status).toBe(201);
      const got = await send('GET', `${book()}${name}`);
      expect(got.status).toBe(200);
      expect(got.bytes.equals(Buffer.from(text, 'utf8'))).toBe(true);
      expect(got.headers.get('etag')).toBe(put.headers.get('etag'));
    }
    // addressbook-multiget: the address-data, XML-decoded, is the same text (and the same photo).
    const multi = await send(
      'REPORT',
      book(),
      '<CR:addressbook-multiget xmlns:D="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav">' +
        '<D:prop><D:getetag/><CR:address-data/></D:prop>' +
        '<D:href>/dav/addressbooks/alice@example.com/default/zoe.vcf</D:href>' +
        '<D:href>/dav/addressbooks/alice@example.com/default/lukasz.vcf</D:href>' +
        '</CR:addressbook-multiget>',
      { Depth: '1' },
    );
    expect(multi.status).toBe(207);
    const cards = [
      ...multi.bytes.toString('utf8').matchAll(/<[\w:]*address-data[^>]*>([\s\S]*?)<\/[\w:]*address-data>/g),
    ].map((m) =>
      m[1]!
        .replace(/&#13;|&#xD;/gi, '\r')
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&quot;/g, '"')
        .replace(/&apos;/g, "'")
        .replace(/&amp;/g, '&'),
    );
    expect(cards.sort()).toEqual([v3, v4].sort());
    expect(photoOf(cards.find((c) => c.includes('VERSION:3.0'))!).equals(jpeg)).toBe(true);
    expect(photoOf(cards.find((c) => c.includes('VERSION:4.0'))!).equals(png)).toBe(true);
  });

  it('refuses a contact over the body limit with 413, and keeps the one stored', async () => {
    const huge = v3
      .replace('UID:photo-v3', 'UID:photo-huge')
      .replace(
        'END:VCARD',
        fold(`X-BIG:${randomBytes(3 * 1024 * 1024).toString('base64')}`) + '\r\nEND:VCARD',
      );
    expect((await send('PUT', `${book()}huge.vcf`, huge, { 'Content-Type': 'text/vcard' })).status).toBe(413);
    expect((await send('GET', `${book()}huge.vcf`)).status).toBe(404);
    expect((await send('GET', `${book()}zoe.vcf`)).bytes.equals(Buffer.from(v3))).toBe(true);
  });
});
