import { readdirSync, readFileSync, writeFileSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OutboundQueue, outboundQueueKey } from '../../src/queue/outbound-queue.ts';
import { loadOrCreateServerSecrets } from '../../src/storage/server-secrets.ts';
import { useTmpDir } from '../helpers/tmp.ts';

const tmp = useTmpDir('facteur-queue-');

async function queue(dir = tmp()) {
  const secrets = await loadOrCreateServerSecrets(join(dir, 'secrets.json'));
  return { dir, secrets, q: OutboundQueue.fromSecrets(join(dir, 'queue', 'outbound'), secrets) };
}

const env = {
  mailFrom: 'alice@example.com',
  rcptTo: ['x@elsewhere.net'],
  receivedAt: 1700000000000,
  origin: 'submission' as const,
};

describe('OutboundQueue', () => {
  it('stores entries sealed (no plaintext on disk), lists them oldest first, reads them back', async () => {
    const { dir, q } = await queue();
    const raw = Buffer.from('Subject: canary QUEUE-CANARY-1\r\n\r\nbody QUEUE-CANARY-2\r\n');
    const id1 = await q.enqueue(env, raw);
    const id2 = await q.enqueue(
      { ...env, rcptTo: ['y@elsewhere.net'] },
      (async function* () {
        yield raw.subarray(0, 10);
        yield raw.subarray(10);
      })(),
    );
    expect((await q.list()).map((e) => e.id)).toEqual([id1, id2]);
    const files = readdirSync(join(dir, 'queue', 'outbound'));
    expect(files.sort()).toEqual([`${id1}.msg`, `${id2}.msg`].sort());
    for (const f of files)
      expect(readFileSync(join(dir, 'queue', 'outbound', f)).toString('latin1')).not.toMatch(
        /CANARY|elsewhere/,
      );
    const e = await q.read(id2);
    expect(e.raw.equals(raw)).toBe(true);
    expect(e.envelope).toMatchObject({ ...env, rcptTo: ['y@elsewhere.net'] });
    await q.remove(id1);
    expect((await q.list()).map((x) => x.id)).toEqual([id2]);
  });

  it('another role with the same secrets file reads it; other secrets cannot; tampering is detected', async () => {
    const { dir, secrets, q } = await queue();
    const id = await q.enqueue(env, Buffer.from('hello'));
    const same = OutboundQueue.fromSecrets(join(dir, 'queue', 'outbound'), { ...secrets });
    expect((await same.read(id)).raw.toString()).toBe('hello');
    const other = await queue();
    const stranger = new OutboundQueue(join(dir, 'queue', 'outbound'), outboundQueueKey(other.secrets));
    await expect(stranger.read(id)).rejects.toThrow();
    const path = join(dir, 'queue', 'outbound', `${id}.msg`);
    const b = readFileSync(path);
    b[b.length - 5]! ^= 1;
    writeFileSync(path, b);
    await expect(q.read(id)).rejects.toThrow();
  });

  it('an aborted writer leaves nothing; stale temp files are swept', async () => {
    const { dir, q } = await queue();
    const w = await q.begin(env);
    await w.write(Buffer.from('partial'));
    await w.abort();
    expect(await q.list()).toEqual([]);
    const w2 = await q.begin(env);
    await w2.write(Buffer.from('crashed before commit'));
    const qdir = join(dir, 'queue', 'outbound');
    const t = readdirSync(qdir).find((n) => n.startsWith('.tmp-'))!;
    utimesSync(join(qdir, t), new Date(0), new Date(0));
    expect(await q.sweepTemp(1000)).toBe(1);
    expect(readdirSync(qdir)).toEqual([]);
  });
});
