/**
 * A copy of a server's restic repository on this laptop, and back onto a server. restic writes
 * each file once and never changes it (packs, indexes, snapshots and keys are named by the SHA-256
 * of their content), so a mirror is: fetch what is missing, drop what the server pruned, and check
 * every hash-named file against its name. Files travel as `cat` over the server's one SSH
 * connection, as root (the repository belongs to the image's user, mode 700).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, writeFile, readFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { FacteurError } from '../../../shared/errors';
import type { RootShell } from '../host/root-shell';
import { shq } from '../stack/remote-shell';

export interface RepoFile {
  /** Path inside the repository, with '/' (e.g. data/3f/3f1a…). */
  path: string;
  size: number;
}

export interface MirrorResult {
  filesDownloaded: number;
  bytesDownloaded: number;
  filesRemoved: number;
  files: number;
  bytes: number;
}

export type MirrorProgress = (done: number, total: number, message?: string) => void;

/** What the mirror holds (next to the repository, not inside it). */
export interface MirrorInfo {
  files: number;
  bytes: number;
  updatedAt: string;
}

const HASH_NAMED = /^(data\/[0-9a-f]{2}|index|snapshots|keys)\/([0-9a-f]{64})$/;
/** Locks are transient; anything else unexpected is refused rather than copied. */
const KNOWN = /^(config|(data\/[0-9a-f]{2}|index|snapshots|keys)\/[0-9a-f]{64})$/;
const PARALLEL = 4;
const INFO_FILE = 'mirror.json';

/** The repository's files on the server (locks left out). */
export async function listRemote(root: RootShell, repoDir: string, timeoutMs: number): Promise<RepoFile[]> {
  const res = await root.exec(
    `set -eu; cd ${shq(repoDir)}; find . -type f ! -path './locks/*' ! -name '*.tmp*' -printf '%P\\t%s\\n'`,
    { timeoutMs },
  );
  if (res.code !== 0)
    throw new FacteurError(
      'NOT_FOUND',
      `There is no backup repository at ${repoDir} on the server: ${res.stderr.trim().slice(0, 300)}`,
    );
  return res.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [path = '', size = '0'] = line.split('\t');
      return { path, size: Number(size) };
    })
    .filter((f) => KNOWN.test(f.path));
}

export async function listLocal(dir: string): Promise<RepoFile[]> {
  const out: RepoFile[] = [];
  const walk = async (d: string): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const full = join(d, e.name);
      if (e.isDirectory()) await walk(full);
      else if (e.isFile()) {
        const path = relative(dir, full).split(sep).join('/');
        if (KNOWN.test(path)) out.push({ path, size: (await stat(full)).size });
      }
    }
  };
  await walk(dir);
  return out;
}

/** Refuses a file whose content does not match its name (a damaged or truncated copy). */
export function checkContent(path: string, content: Buffer | string): void {
  const m = HASH_NAMED.exec(path);
  if (!m) return;
  const actual = createHash('sha256').update(content).digest('hex');
  if (actual !== m[2])
    throw new FacteurError(
      'BACKUP_INVALID',
      `The backup file ${path} is damaged: its content does not match its name (SHA-256 ${actual.slice(0, 12)}…).`,
      { detail: `${path} is damaged.`, file: path },
    );
}

async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

type MirrorOptions = { timeoutMs: number; onProgress?: MirrorProgress };

/**
 * Mirrors the server's repository into `localDir`: missing files in, pruned files out, each checked.
 * A file the server pruned between the listing and its copy makes one more pass from a new listing
 * (the files already copied stay); a second such loss is reported.
 */
export async function downloadRepository(
  root: RootShell,
  repoDir: string,
  localDir: string,
  opts: MirrorOptions,
): Promise<MirrorResult> {
  try {
    return await mirrorOnce(root, repoDir, localDir, opts);
  } catch (err) {
    if (!(err instanceof FacteurError && err.params.reason === 'vanished')) throw err;
    return mirrorOnce(root, repoDir, localDir, opts);
  }
}

async function mirrorOnce(
  root: RootShell,
  repoDir: string,
  localDir: string,
  opts: MirrorOptions,
): Promise<MirrorResult> {
  const remote = await listRemote(root, repoDir, opts.timeoutMs);
  if (!remote.some((f) => f.path === 'config'))
    throw new FacteurError('NOT_FOUND', `There is no backup repository at ${repoDir} on the server yet.`);
  await mkdir(localDir, { recursive: true, mode: 0o700 });
  const local = new Map((await listLocal(localDir)).map((f) => [f.path, f.size]));
  const missing = remote.filter((f) => local.get(f.path) !== f.size || f.path === 'config');
  const total = missing.reduce((n, f) => n + f.size, 0);
  let done = 0;
  opts.onProgress?.(0, total, `${missing.length} files to download`);
  await inParallel(missing, async (f) => {
    const content = await fetchFile(root, `${repoDir}/${f.path}`, opts.timeoutMs);
    // Repository files never change once written: a short read is a connection that closed early
    // (the server's exit status can come before the rest of the output it is still sending).
    if (content.length < f.size) throw readFailure(`${repoDir}/${f.path}`, { stderr: '' });
    if (content.length !== f.size)
      throw new FacteurError(
        'BACKUP_INVALID',
        `The backup file ${f.path} on the server changed while it was copied.`,
        {
          detail: `${f.path} changed.`,
        },
      );
    checkContent(f.path, content);
    const target = join(localDir, ...f.path.split('/'));
    await mkdir(dirname(target), { recursive: true, mode: 0o700 });
    await writeFile(`${target}.part`, content, { mode: 0o600 });
    await rename(`${target}.part`, target);
    done += f.size;
    opts.onProgress?.(done, total);
  });
  const wanted = new Set(remote.map((f) => f.path));
  let filesRemoved = 0;
  for (const path of local.keys()) {
    if (wanted.has(path)) continue;
    await rm(join(localDir, ...path.split('/')), { force: true });
    filesRemoved++;
  }
  const info: MirrorInfo = {
    files: remote.length,
    bytes: remote.reduce((n, f) => n + f.size, 0),
    updatedAt: new Date().toISOString(),
  };
  await writeFile(join(dirname(localDir), `${basenameOf(localDir)}.${INFO_FILE}`), JSON.stringify(info), {
    mode: 0o600,
  });
  return {
    filesDownloaded: missing.length,
    bytesDownloaded: total,
    filesRemoved,
    files: info.files,
    bytes: info.bytes,
  };
}

/** What the last download left, if any. */
export async function mirrorInfo(localDir: string): Promise<MirrorInfo | undefined> {
  try {
    return JSON.parse(
      await readFile(join(dirname(localDir), `${basenameOf(localDir)}.${INFO_FILE}`), 'utf8'),
    ) as MirrorInfo;
  } catch {
    return undefined;
  }
}

/**
 * Copies the laptop's repository to `repoDir` on a server (owned by `uid`, mode 700), only the files
 * it lacks. Every hash-named file is checked first: a damaged copy is refused before anything is sent.
 */
export async function uploadRepository(
  root: RootShell,
  localDir: string,
  repoDir: string,
  opts: { uid: number; timeoutMs: number; onProgress?: MirrorProgress },
): Promise<{ filesUploaded: number; bytesUploaded: number }> {
  const local = await listLocal(localDir);
  if (!local.some((f) => f.path === 'config'))
    throw new FacteurError(
      'NOT_FOUND',
      'There is no copy of these backups on this computer: download them first.',
    );
  for (const f of local) {
    const m = HASH_NAMED.exec(f.path);
    if (m && (await hashFile(join(localDir, ...f.path.split('/')))) !== m[2])
      throw new FacteurError(
        'BACKUP_INVALID',
        `The backup file ${f.path} on this computer is damaged: its content does not match its name.`,
        { detail: `${f.path} is damaged.`, file: f.path },
      );
  }
  const mk = await root.exec(`install -d -m 700 -o ${opts.uid} -g ${opts.uid} ${shq(repoDir)}`, {
    timeoutMs: opts.timeoutMs,
  });
  if (mk.code !== 0)
    throw new FacteurError('COMMAND_FAILED', `Could not create ${repoDir}: ${mk.stderr.trim()}`);
  const there = new Map((await listRemote(root, repoDir, opts.timeoutMs)).map((f) => [f.path, f.size]));
  const missing = local.filter((f) => there.get(f.path) !== f.size);
  const total = missing.reduce((n, f) => n + f.size, 0);
  let done = 0;
  opts.onProgress?.(0, total, `${missing.length} files to upload`);
  await inParallel(missing, async (f) => {
    await sendFile(root, join(localDir, ...f.path.split('/')), `${repoDir}/${f.path}`, opts);
    done += f.size;
    opts.onProgress?.(done, total);
  });
  return { filesUploaded: missing.length, bytesUploaded: total };
}

/** How a `cat` of one repository file ended: the exit status (undefined: none came) and stderr. */
export interface ReadEnd {
  code?: number | null;
  signal?: string;
  stderr: string;
}

/** A file listed a moment ago is gone: the server's clean-up (forget --prune) removed it meanwhile. */
const VANISHED = /No such file or directory/;

/**
 * Why a file could not be read, in words: what the server said, or, when it said nothing, that the
 * command was stopped by a signal or that the connection closed before any exit status came.
 */
export function readFailure(path: string, end: ReadEnd): FacteurError {
  const said = end.stderr.trim().slice(0, 300);
  if (VANISHED.test(said))
    return new FacteurError(
      'COMMAND_FAILED',
      `${path} was removed from the server while the backups were being copied (a backup's clean-up ran meanwhile). Download them again.`,
      { file: path, reason: 'vanished' },
    );
  if (said)
    return new FacteurError('COMMAND_FAILED', `Could not read ${path} on the server: ${said}`, {
      file: path,
    });
  if (end.signal)
    return new FacteurError('COMMAND_FAILED', `Reading ${path} on the server was stopped (${end.signal}).`, {
      file: path,
    });
  if (end.code === undefined || end.code === null)
    return new FacteurError(
      'COMMAND_FAILED',
      `The connection to the server closed before ${path} was fully downloaded. Download the backups again.`,
      { file: path, reason: 'connectionClosed' },
    );
  return new FacteurError(
    'COMMAND_FAILED',
    `Could not read ${path} on the server (exit status ${end.code}).`,
    {
      file: path,
    },
  );
}

async function fetchFile(root: RootShell, path: string, timeoutMs: number): Promise<Buffer> {
  const channel = await root.open(`exec cat ${shq(path)}`);
  channel.end();
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const end: ReadEnd = { stderr: '' };
    const timer = setTimeout(() => {
      channel.close();
      reject(new FacteurError('TIMEOUT', `Downloading ${path} took too long.`));
    }, timeoutMs);
    channel.on('data', (c: Buffer) => chunks.push(c));
    channel.stderr.on('data', (d: Buffer) => (end.stderr += d.toString('utf8')));
    channel.on('exit', (code: number | null, signal?: string) => Object.assign(end, { code, signal }));
    let settled = false;
    const settle = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (end.code === 0) resolve(Buffer.concat(chunks));
      else reject(readFailure(path, end));
    };
    // 'close' follows the end of stdout only: stderr may still hold the reason, so wait for it too.
    // It also carries the exit status: a short command's whole answer can arrive in one read, its
    // 'exit' emitted before root.open() has returned the channel to this function.
    channel.on('close', (code?: number | null, signal?: string) => {
      if (end.code === undefined && code !== undefined) Object.assign(end, { code, signal });
      if (channel.stderr.readableEnded || channel.stderr.destroyed) settle();
      else channel.stderr.once('end', settle).once('close', settle);
    });
  });
}

async function sendFile(
  root: RootShell,
  file: string,
  path: string,
  opts: { uid: number; timeoutMs: number },
): Promise<void> {
  const tmp = `${path}.tmp-upload`;
  const channel = await root.open(
    `set -eu; umask 077; install -d -m 700 -o ${opts.uid} -g ${opts.uid} ${shq(dirname(path))}; ` +
      `cat > ${shq(tmp)}; chown ${opts.uid}:${opts.uid} ${shq(tmp)}; chmod 400 ${shq(tmp)}; mv ${shq(tmp)} ${shq(path)}`,
  );
  let stderr = '';
  let code: number | null = null;
  channel.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  channel.on('exit', (c: number | null) => (code = c));
  channel.resume(); // cat prints nothing; its stdout must still flow for the channel to close
  const closed = new Promise<void>((resolve) =>
    channel.on('close', (c?: number | null) => {
      if (c !== undefined) code = c; // the status, also when 'exit' came before this listener
      resolve();
    }),
  );
  const timer = setTimeout(() => channel.close(), opts.timeoutMs);
  try {
    await pipeline(createReadStream(file), channel);
    await closed;
  } finally {
    clearTimeout(timer);
  }
  if (code !== 0)
    throw new FacteurError(
      'COMMAND_FAILED',
      `Could not write ${path} on the server: ${stderr.trim().slice(0, 300)}`,
    );
}

/** Runs `work` on PARALLEL items at a time; after a failure no new item starts, and the first error
 * is thrown once the ones under way have ended (none is left writing behind the caller's back). */
async function inParallel<T>(items: T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!failure && next < items.length) {
      try {
        await work(items[next++]!);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, items.length) }, worker));
  if (failure) throw failure.error;
}

function basenameOf(dir: string): string {
  return (
    dir
      .replace(/[/\\]+$/, '')
      .split(/[/\\]/)
      .pop() ?? 'repository'
  );
}
