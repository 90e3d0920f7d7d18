// DAV role over HTTP (loopback, Basic auth, one mailbox session per request as in production):
//   caldav_report_5k_events_ms   time-range calendar-query (one month, ~420 hits) over 5,000 events
//   carddav_sync_1k_contacts_ms  initial sync-collection (etag + vCard) of 1,000 contacts
// Medians of 9 runs after a warm-up; the login cache is warm (the KDF is measured elsewhere).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair } from '../src/crypto/hybrid-kem.ts';
import { startDavServer } from '../src/dav/dav-server.ts';
import { indexCalendarObject, indexContact } from '../src/domain/calendar-index.ts';
import { MailCore } from '../src/domain/mail-core.ts';
import { silentLogger } from '../src/log/logger.ts';
import { noLoginThrottle } from '../src/security/login-throttle.ts';
import { MailboxStore } from '../src/storage/mailbox-store.ts';

const json = process.argv.includes('--json');
const PASSWORD = 'bench password 1234';
const dir = mkdtempSync(join(tmpdir(), 'facteur-dav-bench-'));
const results: Record<string, number> = {};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number) => Math.round(x * 10) / 10;
const pad = (n: number) => String(n).padStart(2, '0');

try {
  const core = await MailCore.open({ dataDir: dir });
  core.config.addDomain('example.com');
  const mb = await core.accounts.createMailbox({
    address: 'alice@example.com',
    password: PASSWORD,
    recoveryPublicKey: generateKeyPair().publicKey.bytes,
  });
  const { key } = await core.accounts.login('alice@example.com', PASSWORD);
  const store = MailboxStore.open(core.mailboxPath(mb.id), key);
  const cal = store.dav.getCollection('calendar', 'default')!;
  const book = store.dav.getCollection('addressbook', 'default')!;
  store.batch(() => {
    for (let i = 0; i < 5000; i++) {
      const day = new Date(Date.UTC(2025, 0, 1) + (i % 365) * 86_400_000);
      const d = `${day.getUTCFullYear()}${pad(day.getUTCMonth() + 1)}${pad(day.getUTCDate())}`;
      const h = pad(8 + (i % 10));
      const text =
        `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\nBEGIN:VEVENT\r\nUID:ev-${i}\r\nDTSTAMP:20250101T000000Z\r\n` +
        `DTSTART:${d}T${h}0000Z\r\nDTEND:${d}T${h}3000Z\r\nSUMMARY:Meeting ${i}\r\nLOCATION:Room ${i % 40}\r\n` +
        `${i % 50 === 0 ? 'RRULE:FREQ=WEEKLY;COUNT=20\r\n' : ''}END:VEVENT\r\nEND:VCALENDAR\r\n`;
      store.dav.putObject(cal.id, `ev-${i}.ics`, text, indexCalendarObject(text));
    }
    for (let i = 0; i < 1000; i++) {
      const text = `BEGIN:VCARD\r\nVERSION:3.0\r\nUID:c-${i}\r\nFN:Person ${i}\r\nN:${i};Person;;;\r\nEMAIL:p${i}@example.org\r\nTEL:+33 1 23 45 ${pad(i % 100)}\r\nEND:VCARD\r\n`;
      store.dav.putObject(book.id, `c-${i}.vcf`, text, indexContact(text));
    }
  });
  store.close();
  key.fill(0);

  const server = await startDavServer(
    { core, throttle: noLoginThrottle, log: silentLogger },
    { host: '127.0.0.1', port: 0, maxBodyBytes: 1 << 20, requestTimeoutMs: 60_000 },
  );
  const base = `http://127.0.0.1:${server.address.port}/dav`;
  const auth = `Basic ${Buffer.from(`alice@example.com:${PASSWORD}`).toString('base64')}`;
  const report = async (url: string, body: string, expectHits: (n: number) => boolean): Promise<number> => {
    const t0 = performance.now();
    const res = await fetch(url, { method: 'REPORT', headers: { Authorization: auth, Depth: '1' }, body });
    const text = await res.text();
    const ms = performance.now() - t0;
    const hits = text.split('<D:response>').length - 1;
    if (res.status !== 207 || !expectHits(hits))
      throw new Error(`REPORT answered ${res.status} with ${hits} responses`);
    return ms;
  };
  const query = `<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/><C:calendar-data/></D:prop>
    <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:time-range start="20250301T000000Z" end="20250401T000000Z"/></C:comp-filter></C:comp-filter></C:filter></C:calendar-query>`;
  const sync = `<D:sync-collection xmlns:D="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav"><D:sync-token/><D:sync-level>1</D:sync-level>
    <D:prop><D:getetag/><CR:address-data/></D:prop></D:sync-collection>`;
  const calUrl = `${base}/calendars/alice@example.com/default/`;
  const bookUrl = `${base}/addressbooks/alice@example.com/default/`;
  let hits = 0;
  const calTimes: number[] = [];
  const bookTimes: number[] = [];
  for (let i = 0; i < 10; i++) {
    const ms = await report(calUrl, query, (n) => ((hits = n), n > 300));
    if (i > 0) calTimes.push(ms);
    const ms2 = await report(bookUrl, sync, (n) => n === 1000);
    if (i > 0) bookTimes.push(ms2);
  }
  results.caldav_report_5k_events_ms = round(median(calTimes));
  results.caldav_report_5k_events_hits = hits;
  results.carddav_sync_1k_contacts_ms = round(median(bookTimes));
  await server.close();
  core.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}

if (json) console.log(JSON.stringify(results));
else for (const [k, v] of Object.entries(results)) console.log(`${k.padEnd(40)} ${v}`);
