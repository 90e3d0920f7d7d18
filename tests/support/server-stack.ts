/**
 * The server image and stack on the test bed, for the stack integration test and the stack bench:
 * build the image archive (cached by a hash of every input, see scripts/build-server.mjs), connect
 * to a VPS, deploy with the desktop's StackDeployer, measure the stack's processes, clean up.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DockerClient } from '../../src/main/services/docker/docker-client';
import { connectSsh, type SshConnection } from '../../src/main/services/ssh/ssh-client';
import { readImageArchive, type ImageArchive } from '../../src/main/services/stack/image-archive';
import { ImageUploader } from '../../src/main/services/stack/image-upload';
import {
  StackDeployer,
  type DeployProgress,
  type StackDeployOptions,
} from '../../src/main/services/stack/stack-deployer';
import { ensureTestbed, runOnVps, type VpsInfo } from '../infra/testbed';
import { scanFingerprint } from './ssh';

export const ROOT = join(import.meta.dirname, '..', '..');
export const RESOURCES = join(ROOT, 'resources');

export interface BuildResult {
  upToDate: boolean;
  seconds: number;
  bytes: number;
  imageId: string;
  timings?: Record<string, number>;
}

/** `npm run build:server` on the bed's dockerd; instant when nothing changed since the last build. */
export function buildServerImage(opts: { force?: boolean } = {}): BuildResult {
  const res = spawnSync(
    process.execPath,
    [join(ROOT, 'scripts/build-server.mjs'), ...(opts.force ? ['--force'] : [])],
    {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: 20 * 60_000,
    },
  );
  if (res.status !== 0) throw new Error(`npm run build:server failed (exit ${res.status})`);
  const line = res.stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .pop();
  return JSON.parse(line!) as BuildResult;
}

export async function ensureServerImage(): Promise<ImageArchive> {
  await ensureTestbed();
  buildServerImage();
  return readImageArchive(RESOURCES);
}

export async function connectVps(vps: VpsInfo): Promise<SshConnection> {
  return connectSsh(
    { host: vps.host, port: vps.port, user: vps.user },
    { privateKey: readFileSync(vps.clientKeyPath, 'utf8') },
    { fingerprint: scanFingerprint(vps.host, vps.port) },
    { readyMs: 15_000, keepaliveMs: 0 },
  );
}

export function deployerFor(
  conn: SshConnection,
  archive: ImageArchive,
  over: Partial<StackDeployOptions> & { events?: DeployProgress[] } = {},
): StackDeployer {
  const { events, ...rest } = over;
  const docker = new DockerClient(conn);
  const onProgress = (p: DeployProgress): void => {
    events?.push(p);
    over.onProgress?.(p);
  };
  return new StackDeployer(conn, docker, {
    archive,
    image: new ImageUploader(conn, conn, docker, archive, {
      commandTimeoutMs: 90_000,
      diskMarginBytes: 64 << 20,
      onProgress,
    }),
    serverConfig: { hostname: 'mail.stack.test' },
    healthTimeoutMs: 90_000,
    commandTimeoutMs: 90_000,
    ...rest,
    onProgress,
  });
}

/** The docker CLI against a VPS's own dockerd (independent of the code under test). */
export function vpsDocker(vps: VpsInfo, args: string[]): string {
  return execFileSync('docker', ['-H', `unix://${vps.dockerSocket}`, ...args], { encoding: 'utf8' });
}

/** Removes every container of the stack, its data directory and (optionally) the image, on a VPS. */
export async function cleanStack(n: number, opts: { image?: boolean; data?: boolean } = {}): Promise<void> {
  const cmds = [
    'ids=$(docker ps -aq --filter label=org.facteur.stack); [ -z "$ids" ] || docker rm -f $ids >/dev/null',
    // /var/lib/facteur may be a mount point (it is on the bed's VPSs): empty it rather than remove it.
    ...(opts.data !== false
      ? [
          'if [ -d /var/lib/facteur ]; then find /var/lib/facteur -mindepth 1 -delete; fi',
          // The on-server backups too: a new app's backup key would not open an old repository.
          'if [ -d /var/lib/facteur-backups ]; then find /var/lib/facteur-backups -mindepth 1 -delete; fi',
        ]
      : []),
    ...(opts.image
      ? [
          'docker rmi -f $(docker images -q facteur-server) >/dev/null 2>&1 || true',
          'rm -rf /root/.cache/facteur',
        ]
      : []),
  ];
  await runOnVps(n, cmds.join('; '));
}

/** PSS (kB) of every process of every container of the stack, read inside the VPS. */
export async function stackPss(n: number): Promise<{
  totalKb: number;
  processes: Array<{ container: string; pid: number; pssKb: number; cmd: string }>;
}> {
  const out = await runOnVps(
    n,
    `for c in $(docker ps --filter label=org.facteur.stack --format '{{.Names}}'); do
       for p in $(docker top "$c" -eo pid | tail -n +2); do
         [ -r /proc/$p/smaps_rollup ] || continue
         echo "$c $p $(awk '/^Pss:/{print $2}' /proc/$p/smaps_rollup) $(tr '\\0' ' ' < /proc/$p/cmdline | cut -c1-100)"
       done
     done`,
  );
  const processes = out
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [container, pid, pss, ...cmd] = l.split(' ');
      return { container: container!, pid: Number(pid), pssKb: Number(pss), cmd: cmd.join(' ') };
    });
  return { totalKb: processes.reduce((s, p) => s + p.pssKb, 0), processes };
}

/** A hybrid X25519 + ML-KEM-768 recovery key pair, made with the server bundle's code on Node 24. */
export async function recoveryPublicKeyBase64(): Promise<string> {
  const bed = await ensureTestbed();
  const script =
    "import { generateKeyPair } from './src/crypto/hybrid-kem.ts';" +
    "process.stdout.write(Buffer.from(generateKeyPair().publicKey.bytes).toString('base64'));";
  return execFileSync(bed.node24Bin, ['--input-type=module', '-e', script], {
    cwd: join(ROOT, 'server-bundle'),
    encoding: 'utf8',
  });
}
