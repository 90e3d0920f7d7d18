/**
 * The deploy step through the app's contract (as the renderer calls it), on VPS 7 of the test bed:
 * a full disk stops before anything is written; the first deploy survives its SSH connection being
 * cut mid-upload (it resumes at the byte it reached); ufw ends with the SSH port and the mail ports
 * open; a second deploy sends no image and keeps every container; an upgrade from an image that
 * lacks one layer sends that layer only; the compose export describes the same stack.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { EventPayload } from '../../src/shared/contract';
import { deploySteps } from '../../src/shared/deploy-steps';
import { FacteurError } from '../../src/shared/errors';
import { readDeployment } from '../../src/main/services/deploy/deployment-record';
import type { ImageArchive } from '../../src/main/services/stack/image-archive';
import { runOnVps, startVps, type VpsInfo } from '../infra/testbed';
import { limitBandwidth, olderImageArchive } from '../support/deploy-helpers';
import { freshFacteur } from '../support/facteur';
import { cleanStack, ensureServerImage, vpsDocker } from '../support/server-stack';
import { scanFingerprint } from '../support/ssh';

const N = 7;
let vps: VpsInfo;
let archive: ImageArchive;
let facteur: ReturnType<typeof freshFacteur>;
let serverId: string;
const events: Array<EventPayload<'progress'>> = [];
let opCounter = 0;

function deploy() {
  const operationId = `deploy-test-${++opCounter}`;
  return facteur.call('deployStack', {
    serverId,
    operationId,
    hostname: 'mail.deploy.test',
    domain: 'deploy.test',
  });
}

async function removeEverything(): Promise<void> {
  await cleanStack(N, { image: true });
  await runOnVps(
    N,
    'docker rmi -f $(docker images -aq) >/dev/null 2>&1 || true; rm -rf /root/.cache/facteur',
  );
}

beforeAll(async () => {
  vps = await startVps(N);
  archive = await ensureServerImage();
  await removeEverything();
  await runOnVps(N, 'ufw --force reset >/dev/null 2>&1 || true');
  facteur = freshFacteur({
    FACTEUR_DEPLOY_RECONNECT_DELAY_MS: '300',
    FACTEUR_STACK_HEALTH_TIMEOUT_MS: '120000',
    FACTEUR_STACK_STEP_TIMEOUT_MS: '120000',
  });
  facteur.app.events.subscribe((event, payload) => {
    if (event === 'progress') events.push(payload as EventPayload<'progress'>);
  });
  const profile = await facteur.call('addServer', {
    host: vps.host,
    port: vps.port,
    user: 'root',
    auth: { kind: 'privateKey', privateKey: readFileSync(vps.clientKeyPath, 'utf8') },
    confirmedFingerprint: scanFingerprint(vps.host, vps.port),
  });
  serverId = profile.id;
}, 600_000);

afterAll(async () => {
  if (vps) limitBandwidth(vps, null);
  await runOnVps(N, 'umount /root/.cache 2>/dev/null; ufw --force reset >/dev/null 2>&1 || true').catch(
    () => undefined,
  );
  await cleanStack(N).catch(() => undefined);
});

describe('deploy', () => {
  it('stops with a clear message before writing anything when the server disk is full', async () => {
    await runOnVps(N, 'mkdir -p /root/.cache && mount -t tmpfs -o size=16m tmpfs /root/.cache');
    try {
      const err = await deploy().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(FacteurError);
      expect((err as FacteurError).code).toBe('DISK_FULL');
      expect((err as FacteurError).message).toMatch(
        /too full.*free on \/root\/\.cache.*Nothing was written/s,
      );
      expect(await runOnVps(N, 'find /root/.cache/facteur -type f | wc -l')).toBe('0\n');
      expect(vpsDocker(vps, ['ps', '-aq', '--filter', 'label=org.facteur.stack']).trim()).toBe('');
      expect(await runOnVps(N, 'ls -A /var/lib/facteur | wc -l')).toBe('0\n');
    } finally {
      await runOnVps(N, 'umount /root/.cache');
    }
  });

  it('resumes the upload after the SSH connection is cut, then runs every role', async () => {
    // A slower link so the cut lands mid-upload (86 MB at 120 Mbit/s: about 6 s).
    limitBandwidth(vps, '120mbit');
    const first = events.length;
    let cutAt = 0;
    const cutter = setInterval(() => {
      const uploading = events.slice(first).filter((e) => e.step === 'image' && e.total && e.total > 1000);
      const last = uploading.at(-1);
      if (!cutAt && last && last.done > last.total! * 0.3) {
        cutAt = last.done;
        // Kill the SSH session processes: the connection drops as if the network had failed.
        void runOnVps(N, "pkill -KILL -f '[s]shd: root@' || true");
      }
    }, 50);
    let result;
    try {
      result = await deploy();
    } finally {
      clearInterval(cutter);
      limitBandwidth(vps, null);
    }
    const mine = events.slice(first);
    expect(cutAt).toBeGreaterThan(0);
    const resumed = mine.find((e) => e.step === 'image' && /resumed at/.test(e.message ?? ''));
    expect(resumed, 'an upload event says where it resumed').toBeDefined();
    expect(mine.some((e) => e.step === 'connect' && /dropped/.test(e.message ?? ''))).toBe(true);
    // The second attempt sent only what was missing; together nothing was sent twice beyond a chunk or so.
    expect(result.imageBytesReused).toBeGreaterThan(0);
    expect(result.imageBytesSent + result.imageBytesReused).toBe(archive.manifest.bytes);
    expect(result.services.map((s) => s.action).every((a) => a === 'created')).toBe(true);
    expect(new Set(mine.map((e) => e.step))).toEqual(new Set(deploySteps));

    const info = await facteur.call('deploymentInfo', { id: serverId });
    expect(info.deployed).toBe(true);
    expect(info.services.length).toBeGreaterThanOrEqual(4);
    for (const s of info.services) expect(s, s.name).toMatchObject({ state: 'running' });
    const record = await readDeployment(facteur.app.vault, serverId);
    expect(record).toMatchObject({ hostname: 'mail.deploy.test', domain: 'deploy.test', controlPort: 8025 });
    expect(record!.controlToken).toMatch(/\S{20,}/);
    // The first domain exists (with its DKIM keys) on the server.
    expect(vpsDocker(vps, ['ps', '--format', '{{.Names}}']).split('\n').filter(Boolean).length).toBe(
      info.services.length,
    );
    // No upload left behind.
    expect(await runOnVps(N, 'find /root/.cache/facteur -type f | wc -l')).toBe('0\n');
  });

  it('opens the firewall for SSH first and the mail ports only', async () => {
    const status = await runOnVps(N, 'ufw status');
    expect(status).toMatch(/Status: active/);
    const open = [...status.matchAll(/^(\d+)\/tcp\s+ALLOW/gm)].map((m) => Number(m[1]));
    expect(new Set(open)).toEqual(new Set([22, 25, 80, 110, 143, 443, 465, 587, 993, 995]));
    expect(open).not.toContain(8025);
    expect(open).not.toContain(6379);
    const rules = await runOnVps(N, 'ufw show added');
    expect(rules.indexOf('allow 22/tcp')).toBeLessThan(rules.indexOf('allow 25/tcp'));
  });

  it('deploys the same version again without sending the image, keeping every container', async () => {
    const again = await deploy();
    expect(again.imageBytesSent).toBe(0);
    expect(again.services.every((s) => s.action === 'kept')).toBe(true);
  });

  it('upgrades from an image lacking the top layer by sending that layer only', async () => {
    await cleanStack(N, { image: true, data: false });
    const older = await olderImageArchive(archive, 'facteur-server:previous');
    await runOnVps(N, `docker rmi -f $(docker images -aq) >/dev/null 2>&1 || true`);
    vpsDocker(vps, ['load', '-q', '-i', older]);
    const upgraded = await deploy();
    const top = archive.manifest.layerFiles.at(-1)!;
    expect(upgraded.imageBytesSent).toBeGreaterThanOrEqual(top.bytes);
    expect(upgraded.imageBytesSent / top.bytes).toBeLessThan(1.2);
    const lower = archive.manifest.layerFiles.slice(0, -1).reduce((sum, l) => sum + l.bytes, 0);
    expect(upgraded.imageBytesReused).toBe(lower);
    expect(upgraded.services.every((s) => s.action === 'created')).toBe(true);
  });

  it('deploys as a non-root user through sudo, the password given once and kept in memory', async () => {
    await cleanStack(N, { image: true, data: false });
    await runOnVps(N, 'docker rmi -f $(docker images -aq) >/dev/null 2>&1 || true');
    const owner = await facteur.call('addServer', {
      name: 'as owner',
      host: vps.host,
      port: vps.port,
      user: vps.sudoUser,
      auth: { kind: 'privateKey', privateKey: readFileSync(vps.clientKeyPath, 'utf8') },
      confirmedFingerprint: scanFingerprint(vps.host, vps.port),
    });
    const asOwner = () =>
      facteur.call('deployStack', {
        serverId: owner.id,
        operationId: `deploy-owner-${++opCounter}`,
        hostname: 'mail.deploy.test',
        domain: 'deploy.test',
      });
    const refused = await asOwner().then(
      () => undefined,
      (e: unknown) => e as FacteurError,
    );
    expect(refused?.code).toBe('SUDO_PASSWORD_NEEDED');
    await facteur.call('provideSudoPassword', { serverId: owner.id, password: vps.sudoPassword });
    const result = await asOwner();
    expect(result.imageBytesSent).toBe(archive.manifest.bytes);
    expect(result.services.every((s) => s.action === 'created')).toBe(true);
    // The upload went to the owner's own folder and was removed after loading.
    expect(await runOnVps(N, 'find /home/owner/.cache/facteur -type f | wc -l')).toBe('0\n');
    const info = await facteur.call('deploymentInfo', { id: owner.id });
    for (const s of info.services) expect(s, s.name).toMatchObject({ state: 'running' });
  });

  it('exports a docker-compose.yml of the same stack', async () => {
    const file = await facteur.call('exportCompose', { id: serverId });
    expect(file.fileName).toBe('docker-compose.yml');
    expect(file.content).toContain(`image: "${archive.manifest.image}"\n`);
    for (const service of ['redis', 'edge', 'mail', 'admin']) expect(file.content).toContain(`  ${service}:`);
    expect(file.content).toMatch(/for mail\.deploy\.test/);
  });
});
