// Two things the backups list must get right, with real restic on a local repository:
// - retention keeps the last 3 whatever their day: "Back up now" twice on one day keeps both;
// - the index (figures per snapshot, when a check passed) is shared by a run and a list in other
//   processes: a list that spends seconds asking restic for the figures of snapshots it did not
//   know never writes back a stale copy over the check time a run recorded meanwhile ("checked",
//   then listed "not verified").
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BackupService } from '../../src/backup/backup-service.ts';
import { useTmpDir } from '../helpers/tmp.ts';
import { populate } from './backup-fixtures.ts';

const tmp = useTmpDir('facteur-backup-');
const KEY = 'backup key for the index race tests';

describe('retention and the shared index', () => {
  it('keeps the last 3 on one day; a list computing figures does not undo a check done meanwhile', async () => {
    const root = tmp();
    const data = join(root, 'data');
    const { core } = await populate(data, { messages: 3, items: 1 });
    core.close();
    const svc = new BackupService({ dataDir: data });
    // Settings as saved before `last` existed: the default (3) applies.
    await svc.writeSettings(
      {
        target: { kind: 'local', path: join(root, 'repo') },
        schedule: { everyMs: 3_600_000 },
        retention: { daily: 7, weekly: 4, monthly: 6 },
        verify: {},
      },
      KEY,
    );
    expect((await svc.readSettings())?.retention).toEqual({ last: 3, daily: 7, weekly: 4, monthly: 6 });

    const first = await svc.run();
    const second = await svc.run();
    expect((await svc.list()).map((s) => s.id)).toEqual([second.id, first.id]);
    const third = await svc.run();
    const fourth = await svc.run();
    expect((await svc.list()).map((s) => s.id)).toEqual([fourth.id, third.id, second.id]);

    // The index lost (as on a new server given an old repository): a list must ask restic for
    // every snapshot's figures, which takes a while; another process checks the repository then.
    rmSync(join(data, 'backup-index.json'));
    const listing = new BackupService({ dataDir: data });
    const checking = new BackupService({ dataDir: data });
    let checkedFirst = false;
    const [stale] = await Promise.all([
      listing.list(),
      checking.check().then((r) => {
        expect(r.ok).toBe(true);
        checkedFirst = true;
      }),
    ]);
    // The race this test is about happened: the check ended while the list was still at work.
    expect(checkedFirst).toBe(true);
    expect(stale.map((s) => s.sizeBytes > 0)).toEqual([true, true, true]);
    const after = await svc.list();
    expect(after.map((s) => s.verified)).toEqual([true, true, true]);
    expect(after.map((s) => s.mailboxes)).toEqual([3, 3, 3]);
  }, 180_000);
});
