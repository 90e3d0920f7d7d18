// python3-caldav (Debian's, a real CalDAV client in its own process) against the DAV role.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, startDavBed, type DavBed } from './dav-harness.ts';

const run = promisify(execFile);
const SCRIPT = new URL('./fixtures/caldav_client.py', import.meta.url).pathname;
let bed: DavBed;

beforeAll(async () => {
  bed = await startDavBed();
});
afterAll(() => bed?.stop());

describe('python3-caldav', () => {
  it('discovers, saves, searches by time range, updates and deletes', async () => {
    const { stdout } = await run(
      '/usr/bin/python3',
      [SCRIPT, `${bed.base}/.well-known/caldav`, 'alice@example.com', PASSWORD],
      {
        timeout: 60_000,
      },
    );
    // The client percent-encodes the @ of the address itself; compare decoded URLs.
    const out = JSON.parse(decodeURIComponent(stdout.trim().split('\n').at(-1)!));
    expect(out.principal).toBe(`${bed.base}/dav/principals/alice@example.com/`);
    expect(out.calendars).toEqual([`${bed.base}/dav/calendars/alice@example.com/default/`]);
    expect(out.made).toBe(`${bed.base}/dav/calendars/alice@example.com/work/`);
    expect(out.search_march).toEqual(['ev-march']);
    expect(out.search_june).toEqual(['ev-june']);
    expect(out.search_jan20).toEqual(['ev-weekly']); // the 3rd Monday of the weekly series
    expect(out.search_feb).toEqual([]); // the series ended on 27 January
    expect(out.after_update).toBe('Standup (moved)');
    expect(out.after_delete).toEqual(['ev-march', 'ev-weekly']);
    expect(out.deleted_gone).toBe(true);
  });

  it('refuses a wrong password with 401 and a Basic challenge', async () => {
    const res = await fetch(`${bed.base}/dav/`, {
      method: 'PROPFIND',
      headers: {
        Authorization: `Basic ${Buffer.from('alice@example.com:nope').toString('base64')}`,
        Depth: '0',
      },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
  });
});
