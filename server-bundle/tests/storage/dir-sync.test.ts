import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DirSyncer, type DirHandle } from '../../src/storage/dir-sync.ts';

function fakeDirs() {
  const syncs: Array<{ dir: string; startedAt: number; finish: () => void; fail: (e: Error) => void }> = [];
  let clock = 0;
  let opened = 0;
  let closed = 0;
  const openDir = async (dir: string): Promise<DirHandle> => {
    opened++;
    return {
      sync: () =>
        new Promise<void>((resolve, reject) => {
          syncs.push({ dir, startedAt: ++clock, finish: resolve, fail: reject });
        }),
      close: async () => {
        closed++;
      },
    };
  };
  return { syncs, openDir, tick: () => ++clock, counts: () => ({ opened, closed }) };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('DirSyncer (group commit of directory fsyncs)', () => {
  it('a call resolves only after an fsync that started after it; callers arriving meanwhile share one', async () => {
    const f = fakeDirs();
    const d = new DirSyncer({ openDir: f.openDir });
    const done: string[] = [];
    const a = d.sync('/s/1').then(() => done.push('a'));
    await settle();
    expect(f.syncs).toHaveLength(1);
    // b, c and e arrive while the first fsync runs: it may predate their renames.
    const b = d.sync('/s/1').then(() => done.push('b'));
    const c = d.sync('/s/1').then(() => done.push('c'));
    await settle();
    f.syncs[0]!.finish();
    await a;
    await settle();
    expect(done).toEqual(['a']);
    expect(f.syncs).toHaveLength(2); // one more fsync, for b and c together
    f.syncs[1]!.finish();
    await Promise.all([b, c]);
    expect(done.sort()).toEqual(['a', 'b', 'c']);
    expect(f.counts().opened).toBe(1); // the handle is reused
  });

  it('different directories sync independently; errors reach every waiter and the handle is reopened', async () => {
    const f = fakeDirs();
    const d = new DirSyncer({ openDir: f.openDir });
    const x = d.sync('/s/x');
    const y = d.sync('/s/y');
    await settle();
    expect(f.syncs.map((s) => s.dir).sort()).toEqual(['/s/x', '/s/y']);
    f.syncs.find((s) => s.dir === '/s/y')!.finish();
    await y;
    f.syncs.find((s) => s.dir === '/s/x')!.fail(new Error('EIO'));
    await expect(x).rejects.toThrow('EIO');
    const again = d.sync('/s/x');
    await settle();
    f.syncs.at(-1)!.finish();
    await again;
    expect(f.counts().opened).toBe(3);
  });

  it('keeps at most maxOpenHandles idle handles', async () => {
    const f = fakeDirs();
    const d = new DirSyncer({ openDir: f.openDir, maxOpenHandles: 2 });
    for (const dir of ['/a', '/b', '/c', '/d']) {
      const p = d.sync(dir);
      await settle();
      f.syncs.at(-1)!.finish();
      await p;
    }
    await settle();
    expect(f.counts().closed).toBeGreaterThanOrEqual(1);
    await d.close();
    await settle();
    expect(f.counts().closed).toBe(4);
  });

  it('syncs a real directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'facteur-dirsync-'));
    const d = new DirSyncer();
    await Promise.all([d.sync(dir), d.sync(dir), d.sync(dir)]);
    await d.close();
  });
});
