// The only module that runs restic. It turns a BackupTarget into restic's repository string,
// environment and options (the key through RESTIC_PASSWORD_FILE, SFTP key and known_hosts in a
// private temp dir), parses --json output, and maps restic's failures to BackupError codes with a
// message for the owner. Secrets never appear in arguments (visible in ps) nor in errors.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BackupError } from './backup-errors.ts';
import type { BackupTarget } from './backup-types.ts';

/** Every snapshot is taken under this host name: the parent snapshot is found whatever container runs it. */
export const SNAPSHOT_HOST = 'facteur';

export interface ResticRunOptions {
  cwd?: string;
  /** Called with each JSON object restic prints on stdout (--json). */
  onJson?: (obj: Record<string, unknown>) => void;
  /** Called once restic started (tests kill it to simulate a crash). */
  onSpawn?: (child: ChildProcess) => void;
}

export interface ResticResult {
  stdout: string;
  stderr: string;
}

export interface ResticSnapshotJson {
  id: string;
  short_id: string;
  time: string;
  paths: string[];
  tags?: string[];
}

export interface ResticBackupSummary {
  snapshot_id: string;
  data_added: number;
  total_bytes_processed: number;
  total_files_processed: number;
}

const LOCK_RETRY_MS = 200;

/** A restic bound to one repository and key; open() once, close() to remove the temp credentials. */
export class Restic {
  readonly #bin: string;
  readonly #env: NodeJS.ProcessEnv;
  readonly #args: string[];
  readonly #tmp: string;
  readonly #lockWaitMs: number;

  private constructor(bin: string, env: NodeJS.ProcessEnv, args: string[], tmp: string, lockWaitMs: number) {
    this.#bin = bin;
    this.#env = env;
    this.#args = args;
    this.#tmp = tmp;
    this.#lockWaitMs = lockWaitMs;
  }

  static async open(opts: {
    target: BackupTarget;
    key: string;
    resticPath?: string;
    cacheDir?: string;
    env?: Record<string, string>;
    /**
     * How long a command waits for another one's repository lock (a list while a run checks or
     * prunes, which lock it alone) before it fails LOCKED; restic 0.14 itself does not wait.
     */
    lockWaitMs?: number;
  }): Promise<Restic> {
    const tmp = await mkdtemp(join(opts.env?.TMPDIR ?? tmpdir(), 'facteur-restic-'));
    try {
      const passwordFile = join(tmp, 'key');
      await writeFile(passwordFile, opts.key, { mode: 0o600 });
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
        HOME: process.env.HOME ?? tmp,
        TMPDIR: opts.env?.TMPDIR ?? tmpdir(),
        ...opts.env,
        RESTIC_PASSWORD_FILE: passwordFile,
        ...(opts.cacheDir ? { RESTIC_CACHE_DIR: opts.cacheDir } : {}),
      };
      const args: string[] = opts.cacheDir ? [] : ['--no-cache'];
      const t = opts.target;
      if (t.kind === 'local') {
        env.RESTIC_REPOSITORY = t.path;
      } else if (t.kind === 's3') {
        const prefix = t.prefix.replace(/^\/+|\/+$/g, '');
        env.RESTIC_REPOSITORY = `s3:${t.endpoint.replace(/\/+$/, '')}/${t.bucket}${prefix ? `/${prefix}` : ''}`;
        env.AWS_ACCESS_KEY_ID = t.accessKeyId;
        env.AWS_SECRET_ACCESS_KEY = t.secretAccessKey;
        if (t.region) args.push('-o', `s3.region=${t.region}`);
        args.push('-o', 's3.bucket-lookup=path');
        if (t.caCert) {
          await writeFile(join(tmp, 'ca.pem'), t.caCert, { mode: 0o600 });
          args.push('--cacert', join(tmp, 'ca.pem'));
        }
      } else {
        const identity = join(tmp, 'id');
        const knownHosts = join(tmp, 'known_hosts');
        await writeFile(identity, t.privateKey.endsWith('\n') ? t.privateKey : `${t.privateKey}\n`, {
          mode: 0o600,
        });
        await writeFile(knownHosts, t.knownHosts.endsWith('\n') ? t.knownHosts : `${t.knownHosts}\n`, {
          mode: 0o600,
        });
        env.RESTIC_REPOSITORY = `sftp:${t.user}@${t.host}:${t.path}`;
        // The host key is pinned (no trust on first use); BatchMode: never a password prompt.
        const ssh = [
          'ssh',
          `-p ${t.port}`,
          `-i ${identity}`,
          '-o IdentitiesOnly=yes',
          `-o UserKnownHostsFile=${knownHosts}`,
          '-o GlobalKnownHostsFile=/dev/null',
          '-o StrictHostKeyChecking=yes',
          '-o BatchMode=yes',
          '-o ConnectTimeout=15',
          '-o ServerAliveInterval=15',
          `${t.user}@${t.host}`,
          '-s sftp',
        ].join(' ');
        args.push('-o', `sftp.command=${ssh}`);
      }
      return new Restic(opts.resticPath ?? 'restic', env, args, tmp, opts.lockWaitMs ?? 120_000);
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      throw err;
    }
  }

  async close(): Promise<void> {
    await rm(this.#tmp, { recursive: true, force: true });
  }

  /** Runs one restic command (again while another holds the repository's lock); rejects with a BackupError. */
  async run(args: string[], opts: ResticRunOptions = {}): Promise<ResticResult> {
    const deadline = Date.now() + this.#lockWaitMs;
    for (;;) {
      try {
        return await this.#runOnce(args, opts);
      } catch (err) {
        if (!(err instanceof BackupError) || err.code !== 'LOCKED' || Date.now() >= deadline) throw err;
        await sleep(LOCK_RETRY_MS);
      }
    }
  }

  #runOnce(args: string[], opts: ResticRunOptions): Promise<ResticResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.#bin, [...this.#args, ...args], {
        cwd: opts.cwd,
        env: this.#env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      opts.onSpawn?.(child);
      let stdout = '';
      let stderr = '';
      let pending = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        if (!opts.onJson) {
          stdout += d;
          return;
        }
        pending += d;
        let nl;
        while ((nl = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, nl).trim();
          pending = pending.slice(nl + 1);
          stdout += line + '\n';
          if (line.startsWith('{')) {
            try {
              opts.onJson(JSON.parse(line) as Record<string, unknown>);
            } catch {
              // a non-JSON line (restic prints a few plain ones even with --json)
            }
          }
        }
      });
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        stderr = (stderr + d).slice(-64 * 1024);
      });
      child.on('error', (err) =>
        reject(
          new BackupError(
            'FAILED',
            (err as NodeJS.ErrnoException).code === 'ENOENT'
              ? 'restic is not installed on this server'
              : `restic could not start: ${err.message}`,
          ),
        ),
      );
      child.on('close', (code, signal) => {
        if (code === 0) resolve({ stdout, stderr });
        else reject(resticError(stderr, signal ? `restic was stopped (${signal})` : `exit ${code}`));
      });
    });
  }

  /** true when a repository answers to this key; BackupError WRONG_KEY/REPO_MISSING/... otherwise. */
  async openRepository(): Promise<void> {
    await this.run(['cat', 'config']);
  }

  async init(): Promise<void> {
    await this.run(['init']);
  }

  async snapshots(): Promise<ResticSnapshotJson[]> {
    const { stdout } = await this.run(['snapshots', '--json', '--host', SNAPSHOT_HOST]);
    return (JSON.parse(stdout || '[]') as ResticSnapshotJson[] | null) ?? [];
  }

  async backup(
    dir: string,
    opts: {
      tags: string[];
      onStatus?: (s: { percent: number; bytesDone: number; bytesTotal: number }) => void;
    },
    run: Pick<ResticRunOptions, 'onSpawn'> = {},
  ): Promise<ResticBackupSummary> {
    let summary: ResticBackupSummary | undefined;
    // --ignore-inode/--ignore-ctime: the staging copies get new inodes each run; unchanged
    // files are still recognised by size and mtime and not read again.
    const args = ['backup', '--json', '--host', SNAPSHOT_HOST, '--ignore-inode', '--ignore-ctime', '.'];
    for (const t of opts.tags) args.push('--tag', t);
    await this.run(args, {
      cwd: dir,
      onSpawn: run.onSpawn,
      onJson: (o) => {
        if (o.message_type === 'status' && opts.onStatus) {
          opts.onStatus({
            percent: Number(o.percent_done ?? 0) * 100,
            bytesDone: Number(o.bytes_done ?? 0),
            bytesTotal: Number(o.total_bytes ?? 0),
          });
        } else if (o.message_type === 'summary') {
          summary = o as unknown as ResticBackupSummary;
        }
      },
    });
    if (!summary) throw new BackupError('FAILED', 'restic finished without a summary of the backup');
    return summary;
  }

  /** Reads one file of a snapshot (path from the snapshot's root). */
  async dump(snapshotId: string, path: string): Promise<string> {
    return (await this.run(['dump', snapshotId, path])).stdout;
  }

  /** restic stats of one snapshot: total size and file count as restored. */
  async stats(snapshotId: string): Promise<{ total_size: number; total_file_count: number }> {
    const { stdout } = await this.run(['stats', '--json', '--mode', 'restore-size', snapshotId]);
    return JSON.parse(stdout) as { total_size: number; total_file_count: number };
  }

  async restore(snapshotId: string, target: string, include: string[] = []): Promise<void> {
    const args = ['restore', snapshotId, '--target', target];
    for (const p of include) args.push('--include', p);
    await this.run(args);
  }

  async check(readDataSubset?: string): Promise<void> {
    const args = ['check'];
    if (readDataSubset) args.push(`--read-data-subset=${readDataSubset}`);
    await this.run(args);
  }

  async forget(retention: { last: number; daily: number; weekly: number; monthly: number }): Promise<void> {
    await this.run([
      'forget',
      '--prune',
      '--host',
      SNAPSHOT_HOST,
      '--keep-daily',
      String(retention.daily),
      '--keep-weekly',
      String(retention.weekly),
      '--keep-monthly',
      String(retention.monthly),
      // the newest ones whatever their day (at least the newest, whatever the policy says)
      '--keep-last',
      String(Math.max(1, retention.last)),
    ]);
  }

  /** Removes locks left by a restic process that died (restic keeps those it thinks alive). */
  async unlockStale(): Promise<void> {
    await this.run(['unlock']);
  }
}

/** restic's message patterns -> what happened, in the owner's words. Order matters (first match). */
const FAILURES: Array<[RegExp, BackupError['code'], string]> = [
  [
    /wrong password or no key found/i,
    'WRONG_KEY',
    'the backup key does not open the backup repository at this target: use the key it was created with, or choose an empty target',
  ],
  [
    /no space left on device|disk quota exceeded|QuotaExceeded|EntityTooLarge/i,
    'DISK_FULL',
    'the backup target (or the server disk) is full: free space or choose a larger target, then run the backup again',
  ],
  [
    /repository is already locked|unable to create lock/i,
    'LOCKED',
    'another backup program is using the repository; wait for it to finish (a lock older than 30 minutes is removed automatically)',
  ],
  [
    /InvalidAccessKeyId|SignatureDoesNotMatch|AccessDenied|Access Denied|Permission denied \(publickey|Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/i,
    'UNREACHABLE',
    'the backup target refused the credentials (access key, SSH key or host key): check the target settings',
  ],
  [
    /x509:|certificate signed by unknown authority|certificate is not valid|tls: /i,
    'UNREACHABLE',
    "the backup target's TLS certificate is not trusted: check the endpoint (and its CA certificate for a self-hosted S3)",
  ],
  [
    /unable to start the sftp session|connection refused|no such host|i\/o timeout|network is unreachable|no route to host|connection timed out|Connection closed|ssh command exited|subprocess ssh|dial tcp|server misbehaving|Could not resolve/i,
    'UNREACHABLE',
    'the backup target cannot be reached: check the address and that it is online, then try again',
  ],
  [
    /ciphertext verification failed|repository contains errors|unexpected EOF|invalid data returned|does not match|checksum|pack file cannot be listed|not found in index|incomplete pack file|truncated|Load\(<data\/|damaged|corrupt/i,
    'CORRUPT',
    'the backup repository is damaged (a data file is corrupt or truncated): do not delete anything; run a check, keep the last good copy, and start a new repository at another target',
  ],
  [
    /Is there a repository at the following location|unable to open config file|repository does not exist|NoSuchBucket|The specified bucket does not exist|config file does not exist/i,
    'REPO_MISSING',
    'there is no backup repository at this target: check the path or bucket',
  ],
  [/no matching ID found|no snapshot found|invalid id/i, 'NOT_FOUND', 'no such backup snapshot'],
];

export function resticError(stderr: string, fallback: string): BackupError {
  for (const [re, code, message] of FAILURES) if (re.test(stderr)) return new BackupError(code, message);
  const last = lastLine(stderr);
  return new BackupError('FAILED', `restic failed: ${last || fallback}`);
}

function lastLine(s: string): string {
  const lines = s
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  // restic's last line names the failure; bounded, and secrets are never in its arguments.
  return (lines.at(-1) ?? '').slice(0, 300);
}
