import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync, renameSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DecryptionError } from '../../src/crypto/aead.ts';
import { generateKeyPair } from '../../src/crypto/hybrid-kem.ts';
import { Spool } from '../../src/storage/spool.ts';
import { useTmpDir } from '../helpers/tmp.ts';

const tmp = useTmpDir();
const env = { mailFrom: 'alice@example.org', receivedAt: 1_700_000_000_000 };

describe('spool', () => {
  it('seals one message to several mailboxes in one pass; only each key opens its copy', async () => {
    const spool = new Spool(join(tmp(), 'spool'));
    const a = generateKeyPair();
    const b = generateKeyPair();
    const raw = Buffer.from('Subject: hi\r\n\r\nspool-canary-7f3a\r\n');
    const ids = await spool.deliver(
      [
        { mailboxId: 'mbx-a', publicKey: a.publicKey, rcptTo: 'a@example.com' },
        { mailboxId: 'mbx-b', publicKey: b.publicKey, rcptTo: 'b@example.com' },
      ],
      raw,
      env,
    );
    expect(ids).toHaveLength(2);
    expect(await spool.list('mbx-a')).toEqual([ids[0]]);
    const file = join(spool.root, 'mbx-a', `${ids[0]}.sealed`);
    expect(readFileSync(file).includes(Buffer.from('spool-canary-7f3a'))).toBe(false);
    expect(readFileSync(file).includes(Buffer.from('alice@example.org'))).toBe(false);
    const got = await spool.read('mbx-a', ids[0]!, a);
    expect(got.raw.equals(raw)).toBe(true);
    expect(got.envelope).toMatchObject({ ...env, rcptTo: 'a@example.com' });
    await expect(spool.read('mbx-a', ids[0]!, b)).rejects.toBeInstanceOf(DecryptionError);
    await spool.remove('mbx-a', ids[0]!);
    expect(await spool.list('mbx-a')).toEqual([]);
  });

  it('streams large messages and refuses renamed or moved files', async () => {
    const spool = new Spool(join(tmp(), 'spool'));
    const k = generateKeyPair();
    const piece = randomBytes(1 << 20);
    async function* src() {
      for (let i = 0; i < 8; i++) yield piece;
    }
    const [id] = await spool.deliver(
      [{ mailboxId: 'm1', publicKey: k.publicKey, rcptTo: 'x@y.z' }],
      src(),
      env,
    );
    const got = await spool.read('m1', id!, k);
    expect(got.raw.length).toBe(8 << 20);
    expect(got.raw.subarray(7 << 20).equals(piece)).toBe(true);
    // The spool id is bound into the ciphertext: a renamed file does not open (no replay as new mail).
    const other = `${id!.slice(0, 12)}${'0'.repeat(16)}`;
    renameSync(join(spool.root, 'm1', `${id}.sealed`), join(spool.root, 'm1', `${other}.sealed`));
    await expect(spool.read('m1', other, k)).rejects.toBeInstanceOf(DecryptionError);
  });

  it('leaves nothing behind when the source fails mid-stream', async () => {
    const spool = new Spool(join(tmp(), 'spool'));
    const k = generateKeyPair();
    async function* broken() {
      yield Buffer.from('partial');
      throw new Error('connection lost');
    }
    await expect(
      spool.deliver([{ mailboxId: 'm1', publicKey: k.publicKey, rcptTo: 'x@y.z' }], broken(), env),
    ).rejects.toThrow('connection lost');
    expect(readdirSync(join(spool.root, 'm1'))).toEqual([]);
  });

  it('sweeps stale temp files and ignores foreign names', async () => {
    const spool = new Spool(join(tmp(), 'spool'));
    const k = generateKeyPair();
    await spool.deliver(
      [{ mailboxId: 'm1', publicKey: k.publicKey, rcptTo: 'x@y.z' }],
      Buffer.from('x'),
      env,
    );
    const stale = join(spool.root, 'm1', '.tmp-abc');
    writeFileSync(stale, 'half');
    utimesSync(stale, new Date(0), new Date(0));
    writeFileSync(join(spool.root, 'm1', 'README'), 'not a spool file');
    expect(await spool.sweepTemp('m1')).toBe(1);
    expect(await spool.list('m1')).toHaveLength(1);
    expect(await spool.pendingBytes('m1')).toBeGreaterThan(1144);
    await expect(spool.list('../etc')).rejects.toThrow();
  });

  it('fsyncs file and directory before resolving (checked with strace when available)', async () => {
    const { spawnSync } = await import('node:child_process');
    if (spawnSync('strace', ['-V']).status !== 0) return; // strace not installed: covered by code review
    const dir = tmp();
    const script = join(dir, 'deliver.ts');
    writeFileSync(
      script,
      `import { generateKeyPair } from '${join(process.cwd(), 'src/crypto/hybrid-kem.ts')}';
       import { Spool } from '${join(process.cwd(), 'src/storage/spool.ts')}';
       const s = new Spool('${join(dir, 'spool')}');
       const k = generateKeyPair();
       await s.deliver([{ mailboxId: 'm1', publicKey: k.publicKey, rcptTo: 'x@y.z' }], Buffer.from('hello'), { mailFrom: 'a@b.c', receivedAt: 1 });
       console.log('DELIVERED');`,
    );
    const r = spawnSync(
      'strace',
      [
        '-f',
        '-e',
        'trace=openat,fsync,fdatasync,rename,renameat,renameat2,write',
        '-o',
        join(dir, 'trace'),
        process.execPath,
        script,
      ],
      {
        encoding: 'utf8',
      },
    );
    expect(r.stdout).toContain('DELIVERED');
    const trace = readFileSync(join(dir, 'trace'), 'utf8').split('\n');
    const idx = (re: RegExp) => trace.findIndex((l) => re.test(l));
    const fsyncs = trace.map((l, i) => (/fsync\(/.test(l) ? i : -1)).filter((i) => i >= 0);
    const rename = idx(/rename.*\.tmp-.*\.sealed/);
    expect(rename).toBeGreaterThan(0);
    expect(fsyncs.some((i) => i < rename)).toBe(true); // the file, before it gets its final name
    expect(fsyncs.some((i) => i > rename)).toBe(true); // the directory, after the rename
  });
});
