// vdirsyncer (Debian's) two-way sync of a calendar and an address book against the DAV role:
// create, edit and delete on both sides.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, startDavBed, type DavBed } from './dav-harness.ts';
import { vevent } from './dav-fixtures.ts';

/** Runs vdirsyncer, answering yes to its questions (discover asks before creating collections). */
function run(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('vdirsyncer', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.stdin.end('y\ny\ny\ny\n');
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`vdirsyncer ${args.at(-1)} exited with ${code}:\n${out}`));
    });
  });
}
let bed: DavBed;
let dir: string;
const auth = { Authorization: `Basic ${Buffer.from(`alice@example.com:${PASSWORD}`).toString('base64')}` };
const cal = () => `${bed.base}/dav/calendars/alice@example.com/default/`;
const book = () => `${bed.base}/dav/addressbooks/alice@example.com/default/`;
const vcard = (uid: string, fn: string) =>
  `BEGIN:VCARD\r\nVERSION:3.0\r\nUID:${uid}\r\nFN:${fn}\r\nN:${fn};;;;\r\nEND:VCARD\r\n`;

async function sync(): Promise<void> {
  const cfg = join(dir, 'config');
  await run(['-c', cfg, 'discover']);
  await run(['-c', cfg, 'sync']);
}

async function put(url: string, body: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(url, {
    method: 'PUT',
    headers: { ...auth, 'Content-Type': 'text/plain', ...headers },
    body,
  });
  return res.status;
}

const server = async (url: string) => {
  const res = await fetch(url, { headers: auth });
  return { status: res.status, text: await res.text(), etag: res.headers.get('etag') };
};
const local = (kind: 'cal' | 'contacts') => join(dir, kind, 'default');
const localFiles = (kind: 'cal' | 'contacts') => readdirSync(local(kind)).sort();
const localText = (kind: 'cal' | 'contacts') =>
  localFiles(kind)
    .map((f) => readFileSync(join(local(kind), f), 'utf8'))
    .join('\n');

beforeAll(async () => {
  bed = await startDavBed();
  dir = join(bed.dataDir, 'vdirsyncer');
  mkdirSync(join(dir, 'status'), { recursive: true });
  mkdirSync(join(dir, 'cal'), { recursive: true });
  mkdirSync(join(dir, 'contacts'), { recursive: true });
  const storage = (name: string, type: string, path: string, ext: string) =>
    `[storage ${name}_local]\ntype = "filesystem"\npath = "${path}"\nfileext = "${ext}"\n\n` +
    `[storage ${name}_remote]\ntype = "${type}"\nurl = "${bed.base}/"\nusername = "alice@example.com"\npassword = "${PASSWORD}"\n\n` +
    `[pair ${name}]\na = "${name}_local"\nb = "${name}_remote"\ncollections = ["default"]\nconflict_resolution = "b wins"\n\n`;
  writeFileSync(
    join(dir, 'config'),
    `[general]\nstatus_path = "${join(dir, 'status')}"\n\n` +
      storage('cal', 'caldav', join(dir, 'cal'), '.ics') +
      storage('contacts', 'carddav', join(dir, 'contacts'), '.vcf'),
  );
});
afterAll(() => bed?.stop());

describe('vdirsyncer two-way sync', () => {
  it('creates, edits and deletes on both sides, for events and contacts', { timeout: 180_000 }, async () => {
    // Created on the server.
    expect(
      await put(`${cal()}s1.ics`, vevent('s1', '20250301T100000Z', '20250301T110000Z'), {
        'If-None-Match': '*',
      }),
    ).toBe(201);
    expect(await put(`${cal()}s2.ics`, vevent('s2', '20250302T100000Z', '20250302T110000Z'))).toBe(201);
    expect(await put(`${book()}k1.vcf`, vcard('k1', 'Server Person'))).toBe(201);
    await sync();
    expect(localText('cal')).toContain('UID:s1');
    expect(localText('cal')).toContain('UID:s2');
    expect(localText('contacts')).toContain('FN:Server Person');

    // Created locally.
    writeFileSync(join(local('cal'), 'l1.ics'), vevent('l1', '20250401T100000Z', '20250401T110000Z'));
    writeFileSync(join(local('contacts'), 'l2.vcf'), vcard('l2', 'Local Person'));
    await sync();
    expect((await server(`${cal()}l1.ics`)).text).toContain('UID:l1');
    expect((await server(`${book()}l2.vcf`)).text).toContain('FN:Local Person');

    // Edited on the server (with its ETag) and locally.
    const s1 = await server(`${cal()}s1.ics`);
    expect(
      await put(`${cal()}s1.ics`, s1.text.replace('SUMMARY:Event s1', 'SUMMARY:Edited on server'), {
        'If-Match': s1.etag!,
      }),
    ).toBe(204);
    expect(await put(`${cal()}s1.ics`, s1.text, { 'If-Match': s1.etag! })).toBe(412);
    const lc = join(local('contacts'), 'l2.vcf');
    writeFileSync(lc, readFileSync(lc, 'utf8').replace('FN:Local Person', 'FN:Edited Locally'));
    await sync();
    expect(localText('cal')).toContain('SUMMARY:Edited on server');
    expect((await server(`${book()}l2.vcf`)).text).toContain('FN:Edited Locally');

    // Deleted on the server and locally.
    expect((await fetch(`${cal()}s2.ics`, { method: 'DELETE', headers: auth })).status).toBe(204);
    const k1 = localFiles('contacts').find((f) =>
      readFileSync(join(local('contacts'), f), 'utf8').includes('UID:k1'),
    )!;
    unlinkSync(join(local('contacts'), k1));
    await sync();
    expect(localText('cal')).not.toContain('UID:s2');
    expect(localText('cal')).toContain('UID:l1');
    expect((await server(`${book()}k1.vcf`)).status).toBe(404);
    expect((await server(`${book()}l2.vcf`)).status).toBe(200);
    rmSync(join(dir, 'status'), { recursive: true, force: true });
  });
});
