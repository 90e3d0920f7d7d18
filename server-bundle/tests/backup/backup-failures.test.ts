// What must never pass for a good backup: damaged repository data (a corrupted pack, a truncated
// one) is refused with a message saying what to do, and a backup killed mid-run leaves no
// snapshot and no "ok" status, and the next run cleans up after it and works.
import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readSync,
  statSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { BackupError, BackupService, type BackupSettingsInput } from '../../src/backup/backup-service.ts';
import { useTmpDir } from '../helpers/tmp.ts';
import { populate } from './backup-fixtures.ts';

const tmp = useTmpDir('facteur-backup-');
const KEY = 'backup key for the failure tests';
const MAIN = new URL('../../src/run/main.ts', import.meta.url).pathname;

const settings = (repo: string): BackupSettingsInput => ({
  target: { kind: 'local', path: repo },
  schedule: { everyMs: 3_600_000 },
  retention: { daily: 7, weekly: 4, monthly: 6 },
  verify: {},
});

function packFiles(repo: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else out.push(join(d, e.name));
    }
  };
  walk(join(repo, 'data'));
  return out.sort((a, b) => statSync(b).size - statSync(a).size);
}

async function errorOf(p: Promise<unknown>): Promise<BackupError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof BackupError) return err;
    throw err;
  }
  throw new Error('expected a BackupError');
}

async function backedUp(root: string) {
  const data = join(root, 'data');
  const repo = join(root, 'repo');
  const { core } = await populate(data, { messages: 20, items: 2 });
  core.close();
  const svc = new BackupService({ dataDir: data });
  await svc.writeSettings(settings(repo), KEY);
  const snap = await svc.run();
  return { data, repo, svc, snap };
}

describe('backup failures', () => {
  it('refuses a corrupted pack file: check fails, restore fails, both say what to do', async () => {
    const { repo, svc, snap, data } = await backedUp(tmp());
    const pack = packFiles(repo)[0]!;
    // flip bytes in the middle of the largest pack (the mailboxes' data)
    const fd = openSync(pack, 'r+');
    const at = Math.floor(statSync(pack).size / 2);
    const buf = Buffer.alloc(64);
    readSync(fd, buf, 0, 64, at);
    for (let i = 0; i < buf.length; i++) buf[i] = buf[i]! ^ 0xff;
    writeSync(fd, buf, 0, 64, at);
    closeSync(fd);

    const checked = await svc.check({ readData: '100%' });
    expect(checked.ok).toBe(false);
    expect(checked.code).toBe('CORRUPT');
    expect(checked.message).toMatch(/damaged/);
    expect(checked.message).toMatch(/new repository at another target/);
    expect((await svc.list())[0]!.verified).toBe(false);

    const err = await errorOf(svc.restore({ snapshotId: snap.id }));
    expect(err.code).toBe('CORRUPT');
    expect(err.message).toMatch(/damaged/);
    // a refused restore replaced nothing
    expect(existsSync(join(data, 'restore-aside'))).toBe(false);
  });

  it('refuses a truncated pack file at the next check (and the backup that runs it is not ok)', async () => {
    const { repo, svc } = await backedUp(tmp());
    const pack = packFiles(repo)[0]!;
    truncateSync(pack, Math.floor(statSync(pack).size / 3));
    const checked = await svc.check();
    expect(checked).toMatchObject({ ok: false, code: 'CORRUPT' });
    const err = await errorOf(svc.run());
    expect(err.code).toBe('CORRUPT');
    expect(await svc.status()).toMatchObject({ ok: false });
    expect((await svc.status())?.message).toMatch(/damaged/);
  });

  it('a backup killed mid-run is never listed as good; the next run cleans up and works', async () => {
    const root = tmp();
    const data = join(root, 'data');
    const repo = join(root, 'repo');
    const { core } = await populate(data, { messages: 3, items: 1 });
    core.close();
    // enough data that restic is still uploading when it is killed
    writeFileSync(join(data, 'blob.bin'), randomBytes(200 * 1024 * 1024));
    const svc = new BackupService({ dataDir: data, lock: { heartbeatMs: 200, staleMs: 60_000 } });
    await svc.writeSettings(settings(repo), KEY);

    // the CLI in its own process group, killed as a container would be (every process at once)
    const child = spawn(process.execPath, [MAIN, 'backup', 'run', '--data', data], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const seen: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout });
      lines.on('line', (line) => {
        seen.push(line);
        const e = JSON.parse(line) as { event: string; phase?: string };
        if (e.event === 'progress' && e.phase === 'uploading') {
          process.kill(-child.pid!, 'SIGKILL');
          resolve();
        }
        if (e.event !== 'progress') reject(new Error(`finished before it could be killed: ${line}`));
      });
      child.on('exit', () => setTimeout(() => reject(new Error(`exited early: ${seen.join('\n')}`)), 100));
    });
    await new Promise((r) => child.once('close', r));
    expect(existsSync(join(data, 'backup.lock'))).toBe(true);

    expect(await svc.list()).toEqual([]);
    expect((await svc.status())?.ok ?? false).toBe(false);

    // the next run takes over the dead run's lock (same host, dead pid), and restic's own stale lock
    const snap = await svc.run();
    expect(snap.verified).toBe(true);
    expect((await svc.list()).map((s) => s.id)).toEqual([snap.id]);
    expect(await svc.status()).toMatchObject({ ok: true, snapshotId: snap.id });
    expect(existsSync(join(data, 'backup.lock'))).toBe(false);
    expect(readdirSync(join(data, '.backup-staging')).filter((n) => n.endsWith('.partial'))).toEqual([]);
  });

  it('two runs never overlap: the second is refused as busy', async () => {
    const { svc } = await backedUp(tmp());
    const first = svc.run();
    const second = await errorOf(svc.run());
    expect(second.code).toBe('BUSY');
    await first;
  });
});
