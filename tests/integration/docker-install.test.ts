/**
 * The bare host: VPS 3 started without Docker (its packages purged, apt reaching Debian's mirror
 * through the bed's proxy). Facteur, logged in as the sudo user "owner", installs docker.io with
 * apt, shows apt's progress, starts the daemon (the distribution's init script: no systemd in a
 * VPS) and ends with Docker answering; a second install changes nothing; the stack then deploys.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EventPayload } from '../../src/shared/contract';
import { FacteurError } from '../../src/shared/errors';
import { execOnVps, runOnVps, startVps, stopVps, type VpsInfo } from '../infra/testbed';
import { freshFacteur } from '../support/facteur';

const N = 3;
let vps: VpsInfo;
let facteur: ReturnType<typeof freshFacteur>;
let serverId: string;
const progress: Array<EventPayload<'progress'>> = [];

async function failure(promise: Promise<unknown>): Promise<FacteurError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FacteurError);
  return err as FacteurError;
}

const serverDockerVersion = async (): Promise<string> =>
  (await runOnVps(N, "docker version --format '{{.Server.Version}}'")).trim();

describe('installing Docker on a bare server (VPS 3, sudo user)', () => {
  beforeAll(async () => {
    await stopVps(N, { purge: true }); // a brand-new server: no disk, keys or Docker data of earlier runs
    vps = await startVps(N, { bare: true });
    facteur = freshFacteur();
    facteur.app.events.subscribe((event, payload) => {
      if (event === 'progress') progress.push(payload as EventPayload<'progress'>);
    });
    const profile = await facteur.call('addServer', {
      host: vps.host,
      port: vps.port,
      user: vps.sudoUser,
      name: 'bare VPS',
      auth: { kind: 'privateKey', privateKey: readFileSync(vps.clientKeyPath, 'utf8') },
      confirmedFingerprint: vps.hostKeyFingerprint,
    });
    serverId = profile.id;
    expect(profile.facts?.dockerVersion).toBeNull();
  });

  afterAll(async () => {
    await stopVps(N);
  });

  it('starts from a server without Docker at all', async () => {
    expect(vps.bare).toBe(true);
    const probe = await execOnVps(
      N,
      "command -v docker dockerd containerd; dpkg-query -W -f='${db:Status-Status}' docker.io 2>/dev/null",
    );
    expect(probe.stdout).not.toMatch(/docker|containerd|installed/);
    expect((await execOnVps(N, 'test -e /var/run/docker.sock')).code).not.toBe(0);
  });

  it('asks for the sudo password before installing anything', async () => {
    const err = await failure(facteur.call('installDocker', { serverId, operationId: 'install-no-pass' }));
    expect(err.code).toBe('SUDO_PASSWORD_NEEDED');
    expect(progress.filter((p) => p.operationId === 'install-no-pass')).toEqual([]);
  });

  it('on a system apt cannot serve, says what to install by hand', async () => {
    const access = await facteur.call('provideSudoPassword', { serverId, password: vps.sudoPassword });
    expect(access.privileges).toBe('password-known');
    await runOnVps(
      N,
      `mv /etc/os-release /etc/os-release.saved && printf 'ID=fedora\\nPRETTY_NAME="Fedora Linux 40"\\n' > /etc/os-release`,
    );
    try {
      const err = await failure(facteur.call('installDocker', { serverId, operationId: 'install-fedora' }));
      expect(err.code).toBe('COMMAND_FAILED');
      expect(err.message).toMatch(/runs Fedora Linux 40\. Install Docker Engine by hand/);
    } finally {
      await runOnVps(N, 'mv -f /etc/os-release.saved /etc/os-release');
    }
  });

  it("stops on an apt failure with apt's own last lines, and a later run picks up", async () => {
    await runOnVps(
      N,
      "echo 'deb http://mirror.invalid/debian bookworm main' > /etc/apt/sources.list.d/broken.list",
    );
    try {
      const err = await failure(facteur.call('installDocker', { serverId, operationId: 'install-broken' }));
      expect(err.code).toBe('COMMAND_FAILED');
      // The bed's proxy refuses any host but Debian's mirror: apt reports the 403.
      expect(err.message).toMatch(/apt-get update stopped \(exit 100\)\. apt said: .*mirror\.invalid.*403/);
      expect(err.message).toMatch(/then try again/);
    } finally {
      await runOnVps(N, 'rm -f /etc/apt/sources.list.d/broken.list');
    }
    expect((await execOnVps(N, 'command -v dockerd')).stdout).toBe('');
  });

  it('installs docker.io with apt, with progress in order, and ends with Docker answering', async () => {
    const result = await facteur.call('installDocker', { serverId, operationId: 'install-one' });
    expect(result.installed).toBe(true);
    expect(result.version).toBe(await serverDockerVersion());
    expect(result.version).toMatch(/^\d+\.\d+\.\d+/);

    const events = progress.filter((p) => p.operationId === 'install-one');
    expect(events.length).toBeGreaterThan(5);
    expect(new Set(events.map((e) => e.step))).toEqual(new Set(['docker-install']));
    expect(events.every((e) => e.total === 100)).toBe(true);
    const done = events.map((e) => e.done);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    const messages = events.map((e) => e.message ?? '');
    const firstIndex = (re: RegExp): number => messages.findIndex((m) => re.test(m));
    expect(firstIndex(/^Updating the list of packages/)).toBeGreaterThanOrEqual(0);
    expect(firstIndex(/^Installing Docker: .*docker\.io/)).toBeGreaterThan(
      firstIndex(/^Updating the list of packages/),
    );
    expect(firstIndex(/^Starting Docker$/)).toBeGreaterThan(firstIndex(/^Installing Docker/));
    expect(events.at(-1)).toMatchObject({ done: 100, message: `Docker ${result.version} is running` });

    // apt reached the mirror through the bed's proxy, and the daemon is the package's.
    const proxyLog = readFileSync(join(vps.stateDir, 'apt-proxy.log'), 'utf8');
    expect(proxyLog).toMatch(/^200 GET http:\/\/deb\.debian\.org\/debian\/dists\/bookworm\/InRelease$/m);
    expect((await runOnVps(N, "dpkg-query -W -f='${db:Status-Status}' docker.io")).trim()).toBe('installed');
    expect(await runOnVps(N, 'readlink -f /proc/$(cat /run/docker.pid)/exe')).toBe('/usr/sbin/dockerd\n');
  }, 600_000); // a download of ~60 MB from the mirror

  it('a second install is a no-op: Docker answers already', async () => {
    const before = await runOnVps(N, 'cat /run/docker.pid');
    const again = await facteur.call('installDocker', { serverId, operationId: 'install-two' });
    expect(again).toMatchObject({ installed: false, version: await serverDockerVersion() });
    expect(again.seconds).toBeLessThan(10);
    expect(progress.filter((p) => p.operationId === 'install-two')).toEqual([]);
    expect(await runOnVps(N, 'cat /run/docker.pid')).toBe(before); // the same daemon, untouched
  });

  it('then the stack deploys on it, as the sudo user', async () => {
    const result = await facteur.call('deployStack', {
      serverId,
      operationId: 'deploy-bare',
      hostname: 'mail.bare3.test',
      domain: 'bare3.test',
    });
    expect(result.services.length).toBeGreaterThan(0);
    expect(result.services.every((s) => s.action === 'created')).toBe(true);
    const running = await runOnVps(N, "docker ps --format '{{.Names}} {{.Status}}'");
    for (const s of result.services) expect(running).toMatch(new RegExp(`^facteur-${s.name} Up`, 'm'));
    // Installed by root through sudo: the data directory is root's, not the SSH user's.
    expect(await runOnVps(N, 'stat -c %U /var/lib/facteur')).not.toBe('owner\n');
  }, 600_000);
});
