// Hostile requests get a clear 4xx and the server keeps answering; what is stored stays encrypted.
import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, startDavBed, type DavBed } from './dav-harness.ts';
import { vevent } from './dav-fixtures.ts';

const run = promisify(execFile);
let bed: DavBed;
const auth = { Authorization: `Basic ${Buffer.from(`alice@example.com:${PASSWORD}`).toString('base64')}` };
const cal = () => `${bed.base}/dav/calendars/alice@example.com/default/`;

beforeAll(async () => {
  bed = await startDavBed({ maxBodyBytes: 64 * 1024 });
});
afterAll(() => bed?.stop());

async function send(method: string, url: string, body?: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method, headers: { ...auth, ...headers }, body });
  return { status: res.status, text: await res.text() };
}

/** A raw request path (fetch would normalize "..") through node:http. */
function rawPath(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: bed.server.address.port, path, method: 'PROPFIND', headers: auth },
      (res) => {
        res.resume();
        resolve(res.statusCode!);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const stillAlive = async () =>
  expect((await send('PROPFIND', `${bed.base}/dav/`, undefined, { Depth: '0' })).status).toBe(207);

describe('bad input', () => {
  it('refuses an entity bomb (billion laughs) before expanding anything', async () => {
    const bomb =
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
      Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`).join(
        '',
      ) +
      ']><D:propfind xmlns:D="DAV:"><D:prop><D:displayname>&lol9;</D:displayname></D:prop></D:propfind>';
    const r = await send('PROPFIND', cal(), bomb, { Depth: '0' });
    expect(r.status).toBe(400);
    expect(r.text).toMatch(/DOCTYPE declarations are not accepted/);
    await stillAlive();
  });

  it('refuses external entities', async () => {
    const xxe =
      '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>' +
      '<C:calendar-query xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:D="DAV:"><D:prop><D:getetag/></D:prop><C:filter>&x;</C:filter></C:calendar-query>';
    const r = await send('REPORT', cal(), xxe, { Depth: '1' });
    expect(r.status).toBe(400);
    expect(r.text).not.toContain('root:');
  });

  it('refuses malformed XML and unknown reports in plain words', async () => {
    expect(
      (await send('PROPFIND', cal(), '<D:propfind xmlns:D="DAV:"><D:prop>', { Depth: '0' })).status,
    ).toBe(400);
    const r = await send('REPORT', cal(), '<D:expand-property xmlns:D="DAV:"/>');
    expect(r.status).toBe(403);
    expect(r.text).toContain('supported-report');
  });

  it('refuses path traversal and other mailboxes', async () => {
    expect(await rawPath('/dav/calendars/alice@example.com/../../bob@example.com/default/')).toBe(400);
    expect(await rawPath('/dav/calendars/alice@example.com/%2e%2e/x/')).toBe(400);
    expect(await rawPath('/dav/calendars/alice@example.com/default/a%2Fb.ics')).toBe(400);
    expect(await rawPath('/dav/calendars/alice@example.com/default/%ZZ.ics')).toBe(400);
    expect(await rawPath('/dav/calendars/bob@example.com/default/')).toBe(403);
    expect(await rawPath('/etc/passwd')).toBe(404);
    await stillAlive();
  });

  it('refuses oversized bodies with 413, declared or streamed', async () => {
    const big = vevent('big', '20250301T100000Z', '20250301T110000Z', `DESCRIPTION:${'x'.repeat(70 * 1024)}`);
    expect((await send('PUT', `${cal()}big.ics`, big)).status).toBe(413);
    const streamed = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: bed.server.address.port,
          path: '/dav/calendars/alice@example.com/default/big.ics',
          method: 'PUT',
          headers: { ...auth, 'Transfer-Encoding': 'chunked' },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode!);
        },
      );
      req.on('error', reject);
      for (let i = 0; i < 20; i++) req.write('x'.repeat(8 * 1024));
      req.end();
    });
    expect(streamed).toBe(413);
    await stillAlive();
  });

  it('refuses what is not iCalendar, and a second object with the same UID', async () => {
    const r = await send('PUT', `${cal()}junk.ics`, 'hello');
    expect(r.status).toBe(400);
    expect(r.text).toContain('valid-calendar-data');
    expect(
      (await send('PUT', `${cal()}one.ics`, vevent('same', '20250301T100000Z', '20250301T110000Z'))).status,
    ).toBe(201);
    const dup = await send('PUT', `${cal()}two.ics`, vevent('same', '20250301T100000Z', '20250301T110000Z'));
    expect(dup.status).toBe(409);
  });
});

describe('zero access', () => {
  it('keeps a canary event and a canary contact out of every file of the data directory', async () => {
    const canary = 'CANARYzq7Kx2Wv';
    const ev = vevent('canary-ev', '20250301T100000Z', '20250301T110000Z', `LOCATION:${canary}-event`);
    expect((await send('PUT', `${cal()}canary.ics`, ev)).status).toBe(201);
    const card = `BEGIN:VCARD\r\nVERSION:4.0\r\nUID:canary-card\r\nFN:${canary}-contact\r\nEND:VCARD\r\n`;
    expect(
      (await send('PUT', `${bed.base}/dav/addressbooks/alice@example.com/default/c.vcf`, card)).status,
    ).toBe(201);
    // Both readable through DAV...
    expect((await send('GET', `${cal()}canary.ics`)).text).toContain(`${canary}-event`);
    // ...and nowhere in clear on disk (WAL included).
    const grep = await run('grep', ['-r', '-l', '-a', canary, bed.dataDir]).catch(
      (e: { code: number; stdout: string }) => e,
    );
    expect('code' in grep ? grep.code : 0).toBe(1); // grep: 1 = no match
    const control = await run('grep', ['-r', '-l', '-a', 'alice@example.com', bed.dataDir]).catch(() => ({
      stdout: '',
    }));
    expect(control.stdout).toBe(''); // the config DB is encrypted too: grep would have found a plain file
  });
});
