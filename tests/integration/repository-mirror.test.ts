/**
 * The laptop copy of a backup repository against a real server (VPS 13, over SSH as root): a file
 * the server prunes between the listing and its copy makes one more pass (the copy ends complete);
 * a file that keeps vanishing is reported as removed meanwhile; a connection that closes mid-copy
 * says so instead of "Could not read …:" with nothing after the colon.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FacteurError } from '../../src/shared/errors';
import { rootShell, type RootShell } from '../../src/main/services/host/root-shell';
import { downloadRepository } from '../../src/main/services/backup/repository-mirror';
import type { SshConnection } from '../../src/main/services/ssh/ssh-client';
import { runOnVps, startVps, stopVps } from '../infra/testbed';
import { connectVps } from '../support/server-stack';

const N = 13;
const REPO = '/tmp/facteur-mirror-test/repo';
const TIMEOUT = 60_000;
let conn: SshConnection;
const locals: string[] = [];

/** Writes `content` into the repository on the server under its hash name; returns that path. */
async function put(dir: string, content: Buffer): Promise<string> {
  const name = createHash('sha256').update(content).digest('hex');
  const path = dir === 'data' ? `data/${name.slice(0, 2)}/${name}` : `${dir}/${name}`;
  await runOnVps(N, `mkdir -p ${REPO}/${path.replace(/\/[^/]+$/, '')} && cat > ${REPO}/${path}`, {
    input: content,
  });
  return path;
}

function localDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'facteur-mirror-'));
  locals.push(dir);
  return join(dir, 'repository');
}

/** The server's root shell with hooks run on the server around each listing of the repository. */
function aroundListing(
  root: RootShell,
  hooks: { before?: () => Promise<void>; after: (pass: number) => Promise<void> },
): RootShell {
  let pass = 0;
  return {
    ...root,
    async exec(command, options) {
      const listing = command.includes('find .');
      if (listing) await hooks.before?.();
      const res = await root.exec(command, options);
      if (listing) await hooks.after(++pass);
      return res;
    },
  };
}

beforeAll(async () => {
  const vps = await startVps(N);
  await runOnVps(N, `rm -rf ${REPO} && mkdir -p ${REPO} && echo config > ${REPO}/config`);
  conn = await connectVps(vps);
}, 120_000);

afterAll(async () => {
  conn?.close();
  for (const d of locals) rmSync(d, { recursive: true, force: true });
  await runOnVps(N, 'rm -rf /tmp/facteur-mirror-test').catch(() => undefined);
  await stopVps(N);
});

describe('repository mirror', () => {
  it('a file pruned between the listing and its copy: one more pass, the copy ends complete', async () => {
    const kept = await put('snapshots', randomBytes(200));
    const pruned = await put('snapshots', randomBytes(200));
    const root = aroundListing(rootShell(conn, { kind: 'direct' }), {
      after: async (pass) => {
        if (pass === 1) await runOnVps(N, `rm ${REPO}/${pruned}`);
      },
    });
    const dir = localDir();
    const result = await downloadRepository(root, REPO, dir, { timeoutMs: TIMEOUT });
    expect(existsSync(join(dir, kept))).toBe(true);
    expect(existsSync(join(dir, pruned))).toBe(false);
    expect(result.files).toBe(2); // config and the kept snapshot
  }, 60_000);

  it('a file that vanishes at every pass is reported as removed meanwhile', async () => {
    const content = randomBytes(300);
    const flaky = await put('index', content);
    // listed at each pass, gone by the time it is read
    const root = aroundListing(rootShell(conn, { kind: 'direct' }), {
      before: async () => void (await put('index', content)),
      after: async () => void (await runOnVps(N, `rm ${REPO}/${flaky}`)),
    });
    const err = await downloadRepository(root, REPO, localDir(), { timeoutMs: TIMEOUT }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(FacteurError);
    expect(err).toMatchObject({
      code: 'COMMAND_FAILED',
      params: { reason: 'vanished', file: `${REPO}/${flaky}` },
      message: expect.stringContaining('was removed from the server while the backups were being copied'),
    });
  }, 60_000);

  it('a connection that closes mid-copy says so (never an empty reason)', async () => {
    await put('data', randomBytes(32 * 1024 * 1024));
    const own = await connectVps(await startVps(N));
    const direct = rootShell(own, { kind: 'direct' });
    const root: RootShell = {
      ...direct,
      async open(command) {
        const channel = await direct.open(command);
        if (command.includes('/data/')) channel.once('data', () => own.close());
        return channel;
      },
    };
    const err = await downloadRepository(root, REPO, localDir(), { timeoutMs: TIMEOUT }).then(
      () => undefined,
      (e: unknown) => e as FacteurError,
    );
    expect(err).toMatchObject({
      code: 'COMMAND_FAILED',
      params: { reason: 'connectionClosed' },
      // whichever file was under way when it closed (several are read at once)
      message: expect.stringMatching(/^The connection to the server closed before .* was fully downloaded/),
    });
  }, 120_000);
});
