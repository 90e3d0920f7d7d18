/**
 * Upgrades through the app's contract on VPS 13 (and the OS updates toggle on bare VPS 14): the
 * bundled image (0.1.0) is deployed; an app bundling 0.1.1 (one more layer: a config-database
 * migration) shows what changes and upgrades it — containers replaced one at a time, Redis first and
 * the MX's last, each healthy before the next, the config database migrated; an app bundling a
 * deliberately broken 0.1.2 (its MX container exits at start) rolls back by itself within the
 * configured health timeout while a sender delivers to port 25 without pause, retrying like an MTA:
 * 0.1.1 runs again with its configuration, and every message the server accepted is in the mailbox.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { createApp } from '../../src/main/app';
import { loadConfig } from '../../src/main/config';
import { createDispatcher, directCaller } from '../../src/main/ipc/dispatcher';
import type { EventPayload } from '../../src/shared/contract';
import { ensureTestbed, runOnVps, startVps, stopVps } from '../infra/testbed';
import { bytesSentTo } from '../support/deploy-helpers';
import { imageVariant } from '../support/image-variant';
import { deployedFacteur, type MailAdminBed } from '../support/mail-admin-bed';
import { startSender } from '../support/mta-sender';
import { startRegistry, type TestRegistry } from '../support/test-registry';
import { ROOT, cleanStack, ensureServerImage, vpsDocker } from '../support/server-stack';
import { scanFingerprint } from '../support/ssh';
import { waitFor } from '../support/wait';

const N = 13;
const BARE = 14;
const DOMAIN = 'upgrade13.test';
const MAIL_HOST = `mail.${DOMAIN}`;
const ADDRESS = `alice@${DOMAIN}`;
const HEALTH_TIMEOUT_MS = 15_000;
const ENV = {
  FACTEUR_SSH_READY_MS: '15000',
  FACTEUR_SSH_COMMAND_MS: '60000',
  FACTEUR_STACK_STEP_TIMEOUT_MS: '120000',
  FACTEUR_STACK_HEALTH_TIMEOUT_MS: '90000',
  FACTEUR_UPGRADE_HEALTH_TIMEOUT_MS: String(HEALTH_TIMEOUT_MS),
  FACTEUR_HEALTH_MONITOR: 'off',
};
const CHANGELOG = `# Changelog

## 0.1.2 (2026-03-01)
- Broken on purpose: the MX never starts.

## 0.1.1 (2026-02-01)
- The configuration database learns a new setting.
- Faster IMAP searches.

## 0.1.0 (2026-01-01)
- First release.
`;

let bed: MailAdminBed;
let password: string;
let dirB: string;
let dirC: string;
let dirD: string;
let registry: TestRegistry | undefined;
/** Only a VPS this run started is stopped afterwards (a filtered run leaves the bare one alone). */
let bareStarted = false;
const events: Array<EventPayload<'progress'>> = [];

/** The app (same data folder as the bed's) with a given image bundled. */
function appWith(resourcesDir: string) {
  const app = createApp({
    config: loadConfig({ FACTEUR_HOME: bed.home, FACTEUR_RESOURCES_DIR: resourcesDir, ...ENV }),
    runtime: 'cli',
    version: 'test',
  });
  app.events.subscribe((event, payload) => {
    if (event === 'progress') events.push(payload as EventPayload<'progress'>);
  });
  return directCaller(createDispatcher(app.handlers));
}

/** The config database's schema version and probe row, read from a copy with the server bundle's code. */
async function configDb(): Promise<{ version: number; probe: string | null }> {
  const bed13 = await ensureTestbed();
  const copy = mkdtempSync(join(tmpdir(), 'facteur-configdb-'));
  const dataDir = join(bed.vps.stateDir, 'facteur');
  execFileSync('sh', ['-c', `cp ${dataDir}/config.db* ${copy}/ && rm -f ${copy}/config.db-shm`]);
  const key = (JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8')) as { configDbKey: string })
    .configDbKey;
  const script =
    "import { openDatabase } from './src/storage/sqlite-adapter.ts';" +
    `const db = openDatabase(${JSON.stringify(join(copy, 'config.db'))}, { key: Buffer.from('${key}', 'hex') });` +
    "const version = db.pragma('user_version', { simple: true });" +
    'const row = db.prepare("SELECT value FROM settings WHERE key = \'upgrade-probe\'").get();' +
    'process.stdout.write(JSON.stringify({ version, probe: row ? row.value : null }));';
  return JSON.parse(
    execFileSync(bed13.node24Bin, ['--input-type=module', '-e', script], {
      cwd: join(ROOT, 'server-bundle'),
      encoding: 'utf8',
    }),
  ) as { version: number; probe: string | null };
}

function stackContainers(): Array<{ name: string; image: string; state: string }> {
  return vpsDocker(bed.vps, [
    'ps',
    '-a',
    '--filter',
    'label=org.facteur.stack',
    '--format',
    '{{.Names}} {{.Image}} {{.State}}',
  ])
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [name, image, state] = l.split(' ');
      return { name: name!, image: image!, state: state! };
    });
}

async function inboxSubjects(): Promise<Set<string>> {
  const client = new ImapFlow({
    host: bed.vps.host,
    port: 993,
    secure: true,
    tls: { servername: MAIL_HOST, rejectUnauthorized: false },
    auth: { user: ADDRESS, pass: password },
    logger: false,
  });
  await client.connect();
  try {
    const lock = await client.getMailboxLock('INBOX');
    try {
      const out = new Set<string>();
      for await (const m of client.fetch('1:*', { envelope: true })) out.add(m.envelope?.subject ?? '');
      return out;
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
}

beforeAll(async () => {
  const archive = await ensureServerImage();
  const base = { extraMigrations: [] as string[], changelog: CHANGELOG };
  const probe = (v: string) => `INSERT OR REPLACE INTO settings(key, value) VALUES ('upgrade-probe', '${v}')`;
  dirB = await imageVariant(archive, { ...base, version: '0.1.1', extraMigrations: [probe('0.1.1')] });
  dirC = await imageVariant(archive, {
    ...base,
    version: '0.1.2',
    extraMigrations: [probe('0.1.1'), probe('0.1.2')],
    brokenRole: 'mx',
  });
  dirD = await imageVariant(archive, {
    ...base,
    version: '0.1.3',
    extraMigrations: [probe('0.1.1'), probe('0.1.3')],
  });
  await startVps(N);
  await runOnVps(
    N,
    'docker rmi -f $(docker images -aq) >/dev/null 2>&1 || true; rm -rf /var/lib/facteur.pre-upgrade',
  );
  bed = await deployedFacteur(N, MAIL_HOST, { ...ENV, FACTEUR_RESOURCES_DIR: dirB });
  await bed.call('addDomain', { serverId: bed.serverId, name: DOMAIN });
  password = (await bed.call('createMailbox', { serverId: bed.serverId, address: ADDRESS })).password;
}, 900_000);

afterAll(async () => {
  registry?.stop();
  bed?.conn.close();
  await cleanStack(N).catch(() => undefined);
  await stopVps(N, { purge: true }).catch(() => undefined);
  if (bareStarted) await stopVps(BARE, { purge: true }).catch(() => undefined);
});

describe('upgrades', () => {
  it('shows the running version and what the bundled one changes', async () => {
    const call = appWith(dirB);
    const v = await call('upgradeVersions', { id: bed.serverId });
    expect(v).toMatchObject({ deployed: true, running: '0.1.0', available: '0.1.1', source: 'bundled' });
    expect(v.upgradeAvailable).toBe(true);
    expect(v.changes.map((c) => c.version)).toEqual(['0.1.1']);
    expect(v.changes[0]!.changes).toContain('Faster IMAP searches.');
    expect(await configDb()).toEqual({ version: 1, probe: null });
  });

  it('upgrades: only the new layer sent, containers replaced one at a time (MX last), config migrated', async () => {
    const call = appWith(dirB);
    // Backups on (kept on the server): the upgrade must take one before it touches anything.
    await call('setBackupSettings', { serverId: bed.serverId, target: { kind: 'local' } });
    const before = new Set((await call('listBackups', { id: bed.serverId })).snapshots.map((s) => s.id));
    const first = events.length;
    const result = await call('upgradeServer', { serverId: bed.serverId, operationId: 'upgrade-to-011' });
    expect(result).toMatchObject({ outcome: 'upgraded', from: '0.1.0', to: '0.1.1', backup: 'done' });
    const taken = (await call('listBackups', { id: bed.serverId })).snapshots.filter(
      (s) => !before.has(s.id),
    );
    expect(taken).toHaveLength(1);
    expect(taken[0]!.verified).toBe(true);
    // Taken before the containers changed: older than every container the upgrade created.
    const created = vpsDocker(bed.vps, [
      'inspect',
      '-f',
      '{{.Created}}',
      ...stackContainers().map((c) => c.name),
    ])
      .trim()
      .split('\n')
      .map((t) => Date.parse(t));
    expect(Date.parse(taken[0]!.time)).toBeLessThan(Math.min(...created));
    expect(result.replaced.map((r) => r.service)).toEqual(['redis', 'admin', 'mail', 'edge']);
    const mine = events.slice(first).filter((e) => e.operationId === 'upgrade-to-011');
    // One at a time: each container is healthy before the next one is touched.
    const swaps = mine.filter((e) => e.step === 'replace').map((e) => e.message);
    expect(swaps).toEqual([
      'redis: replacing',
      expect.stringMatching(/^redis: healthy after/),
      'admin: replacing',
      expect.stringMatching(/^admin: healthy after/),
      'mail: replacing',
      expect.stringMatching(/^mail: healthy after/),
      'edge: replacing',
      expect.stringMatching(/^edge: healthy after/),
    ]);
    const steps = [...new Set(mine.map((e) => e.step))];
    expect(steps).toEqual(['backup', 'image', 'config-copy', 'init', 'replace', 'done']);
    const sent = mine.filter((e) => e.step === 'image' && /bytes sent/.test(e.message ?? '')).at(-1);
    // The server had 0.1.0's layers: only 0.1.1's one new layer (and the image's config) travelled.
    const bytesSent = Number(/^(\d+) bytes sent/.exec(sent?.message ?? '')?.[1]);
    const newLayer = (
      JSON.parse(readFileSync(join(dirB, 'facteur-server.json'), 'utf8')) as {
        layerFiles: Array<{ bytes: number }>;
      }
    ).layerFiles.at(-1)!.bytes;
    expect(bytesSent).toBeGreaterThanOrEqual(newLayer);
    expect(bytesSent).toBeLessThan(newLayer + 64 * 1024);

    const containers = stackContainers();
    expect(containers.map((c) => c.name).sort()).toEqual(
      ['facteur-admin', 'facteur-edge', 'facteur-mail', 'facteur-redis'].sort(),
    );
    for (const c of containers)
      expect(c, c.name).toMatchObject({ image: 'facteur-server:0.1.1', state: 'running' });
    expect(await configDb()).toEqual({ version: 2, probe: '0.1.1' });
    const v = await call('upgradeVersions', { id: bed.serverId });
    expect(v).toMatchObject({ running: '0.1.1', available: '0.1.1', upgradeAvailable: false, changes: [] });
    // The mailbox still opens with its password.
    await inboxSubjects();
  }, 300_000);

  it('rolls a broken release back by itself; every message accepted during the attempt is delivered', async () => {
    const call = appWith(dirC);
    const sender = startSender({ host: bed.vps.host, to: ADDRESS, prefix: 'during-upgrade' });
    await waitFor(
      'a first accepted message',
      async () => (sender.stats.accepted.length >= 3 ? true : undefined),
      30_000,
      100,
    );
    const first = events.length;
    const t0 = Date.now();
    const result = await call('upgradeServer', { serverId: bed.serverId, operationId: 'upgrade-to-broken' });
    const seconds = (Date.now() - t0) / 1000;
    const acceptedAtEnd = sender.stats.accepted.length;
    await waitFor(
      'mail accepted again after the rollback',
      async () => (sender.stats.accepted.length >= acceptedAtEnd + 3 ? true : undefined),
      60_000,
      100,
    );
    const stats = await sender.stop();

    process.stderr.write(
      `[upgrade] rolled back in ${seconds.toFixed(1)} s; sender: ${stats.accepted.length} accepted, ${stats.deferred} deferred and retried\n`,
    );
    expect(result).toMatchObject({ outcome: 'rolled-back', from: '0.1.1', to: '0.1.2' });
    expect(result.message).toMatch(/put version 0\.1\.1 back by itself/);
    expect(result.message).toMatch(/edge service .* did not become healthy within 15 s/);
    // The health timeout, then the rollback itself: no long wait beyond the configured limit.
    expect(seconds).toBeLessThan(HEALTH_TIMEOUT_MS / 1000 + 90);
    const rollback = events
      .slice(first)
      .filter((e) => e.operationId === 'upgrade-to-broken' && e.step === 'rollback');
    expect(rollback.at(-1)?.message).toBe('0.1.1 runs again');

    const containers = stackContainers();
    expect(containers.map((c) => c.name).sort()).toEqual(
      ['facteur-admin', 'facteur-edge', 'facteur-mail', 'facteur-redis'].sort(),
    );
    for (const c of containers)
      expect(c, c.name).toMatchObject({ image: 'facteur-server:0.1.1', state: 'running' });
    // The configuration is the copy taken before 0.1.2's init migrated it.
    expect(await configDb()).toEqual({ version: 2, probe: '0.1.1' });
    expect((await call('upgradeVersions', { id: bed.serverId })).running).toBe('0.1.1');

    // The MX was really down during the attempt (the sender had to retry), and refused nothing for good.
    expect(stats.deferred).toBeGreaterThan(0);
    expect(stats.rejected).toEqual([]);
    expect(stats.accepted.length).toBeGreaterThan(6);
    const missing = await waitFor(
      'every accepted message in the mailbox',
      async () => {
        const inbox = await inboxSubjects();
        const lost = stats.accepted.filter((s) => !inbox.has(s));
        return lost.length === 0 ? lost : undefined;
      },
      60_000,
      1000,
    );
    expect(missing).toEqual([]);
  }, 400_000);

  it('upgrades from a registry the owner configured: the server pulls the image itself', async () => {
    registry = await startRegistry(bed.vps);
    await registry.push(dirD, 'facteur-server', '0.1.3');
    const ref = `${registry.address}/facteur-server:0.1.3`;
    const call = appWith(dirB);
    await call('setUpgradeSettings', {
      serverId: bed.serverId,
      settings: { registry: ref, autoUpgrade: { enabled: false, window: '03:30' } },
    });
    // Asking for the versions pulls the registry's image over the server's own link. Docker knows the
    // registry digests only of layers it pulled itself, so this first pull fetches the loaded base
    // layers again; later registry upgrades fetch only new layers.
    const before = bytesSentTo(bed.vps);
    const v = await call('upgradeVersions', { id: bed.serverId });
    const received = bytesSentTo(bed.vps) - before;
    expect(v).toMatchObject({
      running: '0.1.1',
      available: '0.1.3',
      source: 'registry',
      upgradeAvailable: true,
    });
    const layers = (
      JSON.parse(readFileSync(join(dirD, 'facteur-server.json'), 'utf8')) as {
        layerFiles: Array<{ bytes: number }>;
      }
    ).layerFiles;
    expect(received).toBeGreaterThan(layers.at(-1)!.bytes);
    process.stderr.write(
      `[upgrade] registry pull: ${received} bytes received (image ${layers.reduce((n, l) => n + l.bytes, 0)})\n`,
    );
    const result = await call('upgradeServer', { serverId: bed.serverId, operationId: 'upgrade-registry' });
    expect(result).toMatchObject({ outcome: 'upgraded', from: '0.1.1', to: '0.1.3' });
    for (const c of stackContainers()) expect(c, c.name).toMatchObject({ image: ref, state: 'running' });
    expect(await configDb()).toEqual({ version: 3, probe: '0.1.3' });
    expect((await call('upgradeVersions', { id: bed.serverId })).running).toBe('0.1.3');
    await inboxSubjects();
  }, 300_000);

  it('turns the automatic OS security updates on and off (unattended-upgrades through apt)', async () => {
    bareStarted = true;
    const vps = await startVps(BARE, { bare: true });
    const call = appWith(dirB);
    const profile = await call('addServer', {
      host: vps.host,
      port: vps.port,
      user: 'root',
      auth: { kind: 'privateKey', privateKey: readFileSync(vps.clientKeyPath, 'utf8') },
      confirmedFingerprint: scanFingerprint(vps.host, vps.port),
    });
    expect(await call('unattendedUpgrades', { id: profile.id })).toEqual({
      installed: false,
      enabled: false,
    });
    const on = await call('setUnattendedUpgrades', { serverId: profile.id, enabled: true });
    expect(on).toEqual({ installed: true, enabled: true });
    expect(await runOnVps(BARE, 'cat /etc/apt/apt.conf.d/20auto-upgrades')).toMatch(
      /APT::Periodic::Unattended-Upgrade "1";/,
    );
    // apt's own view of the setting, as the daily job reads it.
    expect(await runOnVps(BARE, 'apt-config dump APT::Periodic::Unattended-Upgrade')).toMatch(/"1"/);
    const off = await call('setUnattendedUpgrades', { serverId: profile.id, enabled: false });
    expect(off).toEqual({ installed: true, enabled: false });
    expect(await runOnVps(BARE, 'apt-config dump APT::Periodic::Unattended-Upgrade')).toMatch(/"0"/);
  }, 600_000);
});
