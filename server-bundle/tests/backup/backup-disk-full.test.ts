// A backup never takes the room incoming mail needs: when the staging copy would leave less free
// disk than the reserve, the run stops before writing a byte, says so in plain words (status and
// alert), and the next run with room works.
import { existsSync, readdirSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BackupError, BackupService } from '../../src/backup/backup-service.ts';
import { STAGING_DIR } from '../../src/backup/snapshot-staging.ts';
import { useTmpDir } from '../helpers/tmp.ts';
import { populate } from './backup-fixtures.ts';

const tmp = useTmpDir('facteur-backup-disk-');
const KEY = 'backup key for the disk test';

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

describe('backup on a full disk', () => {
  it('refuses before writing when the copy would eat into the reserve, then works with room', async () => {
    const root = tmp();
    const data = join(root, 'data');
    const { core } = await populate(data, { messages: 5, items: 1 });
    core.close();
    const fs = statfsSync(data);
    const free = fs.bavail * fs.bsize;
    // A reserve larger than what is free: whatever else the machine does meanwhile, no room.
    const full = new BackupService({ dataDir: data, reserveBytes: free + 1024 ** 3 });
    await full.writeSettings(
      {
        target: { kind: 'local', path: join(root, 'repo') },
        schedule: { everyMs: 3_600_000 },
        retention: { daily: 7, weekly: 4, monthly: 6 },
        verify: {},
      },
      KEY,
    );
    const err = await full.run().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BackupError);
    expect(err).toMatchObject({ code: 'DISK_FULL' });
    expect((err as Error).message).toMatch(/too full for the backup's working copy.*nothing was changed/s);
    expect(filesUnder(join(data, STAGING_DIR)).filter((f) => /\.db/.test(f))).toEqual([]);
    expect(await full.status()).toMatchObject({ ok: false, message: expect.stringMatching(/too full/) });
    expect(await full.list()).toEqual([]);

    const roomy = new BackupService({ dataDir: data, reserveBytes: 0 });
    const snap = await roomy.run();
    expect(snap.mailboxes).toBeGreaterThan(0);
    expect(await roomy.status()).toMatchObject({ ok: true, snapshotId: snap.id });
  }, 120_000);
});
