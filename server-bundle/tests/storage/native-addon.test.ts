import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('native SQLite addon on Node 24', () => {
  it('survives statements garbage-collected around thread-pool callbacks (built against 24.18.1 headers)', () => {
    // With headers from Node >= 24.19 this aborts the process (see scripts/node24.sh).
    const fixture = fileURLToPath(new URL('./fixtures/gc-stress.cjs', import.meta.url));
    const r = spawnSync(process.execPath, [fixture], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).not.toContain('Assertion failed');
    expect(r.stdout).toContain('GC-STRESS-OK');
    expect(r.status).toBe(0);
  });

  it('runs the tests on Node 24 with chacha20 as the SQLite cipher', async () => {
    expect(process.versions.node.split('.')[0]).toBe('24');
    const { openDatabase } = await import('../../src/storage/sqlite-adapter.ts');
    const db = openDatabase(':memory:', { key: null });
    expect(db.pragma('cipher', { simple: true })).toBe('chacha20');
    db.close();
  });
});
