/**
 * A non-root SSH user with sudo (the test bed's "owner" on VPS 4, whose sudo asks for its password):
 * Facteur tells what it needs, refuses a wrong password, keeps the right one in memory, runs
 * commands as root and reaches Docker through sudo — all over one SSH connection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/main/config';
import { HostAccess } from '../../src/main/services/host/host-access';
import { FacteurError } from '../../src/shared/errors';
import { execOnVps, runOnVps, startVps, stopVps, type VpsInfo } from '../infra/testbed';
import { freshFacteur } from '../support/facteur';

const N = 4;
let vps: VpsInfo;
let facteur: ReturnType<typeof freshFacteur>;
let hosts: HostAccess;
let serverId: string;

/** Logins sshd accepted for the sudo user so far (its log lives on the host side). */
function ownerLogins(): number {
  const log = readFileSync(join(vps.stateDir, 'run/sshd.log'), 'utf8');
  return log.split('\n').filter((l) => l.includes(`Accepted publickey for ${vps.sudoUser} `)).length;
}

/** TCP connections established to the VPS's sshd right now. */
async function sshConnections(): Promise<number> {
  const out = await runOnVps(N, "ss -Htn state established '( sport = :22 )'");
  return out.split('\n').filter((l) => l.trim()).length;
}

async function refusal(promise: Promise<unknown>): Promise<FacteurError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FacteurError);
  return err as FacteurError;
}

describe('privileged access through sudo (VPS 4, user "owner")', () => {
  beforeAll(async () => {
    vps = await startVps(N);
    facteur = freshFacteur();
    hosts = new HostAccess(facteur.app.servers, loadConfig({ FACTEUR_HOME: facteur.home }));
    const profile = await facteur.call('addServer', {
      host: vps.host,
      port: vps.port,
      user: vps.sudoUser,
      name: 'sudo VPS',
      auth: { kind: 'privateKey', privateKey: readFileSync(vps.clientKeyPath, 'utf8') },
      confirmedFingerprint: vps.hostKeyFingerprint,
    });
    serverId = profile.id;
  });

  afterAll(async () => {
    await stopVps(N);
  });

  it('reports that sudo needs a password, and a session asks for it in plain words', async () => {
    expect(await facteur.call('serverAccess', { id: serverId })).toEqual({
      user: 'owner',
      privileges: 'password-needed',
    });
    const err = await refusal(hosts.session(serverId));
    expect(err.code).toBe('SUDO_PASSWORD_NEEDED');
    expect(err.message).toMatch(/sudo password of "owner".*keeps it in memory only/);
  });

  it('refuses a wrong sudo password, says so, and does not keep it', async () => {
    const err = await refusal(hosts.provideSudoPassword(serverId, 'not-the-password'));
    expect(err.code).toBe('AUTH_FAILED');
    expect(err.message).toMatch(/refused this sudo password for "owner".*did not keep it/);
    expect((await hosts.access(serverId)).privileges).toBe('password-needed');
    expect((await refusal(hosts.session(serverId))).code).toBe('SUDO_PASSWORD_NEEDED');
  });

  it('with the right password runs commands as root, stdin intact, and nothing of it on disk', async () => {
    expect(await hosts.provideSudoPassword(serverId, vps.sudoPassword)).toEqual({
      user: 'owner',
      privileges: 'password-known',
    });
    expect((await hosts.access(serverId)).privileges).toBe('password-known');
    const session = await hosts.session(serverId);
    try {
      const id = await session.root.exec('id -u; id -un');
      expect(id).toMatchObject({ code: 0, stdout: '0\nroot\n' });
      // The password line is sudo's; the command reads exactly its own input after it.
      const write = await session.root.exec('cat > /root/from-facteur && stat -c %U /root/from-facteur', {
        stdin: 'first line\nsecond line\n',
      });
      expect(write).toMatchObject({ code: 0, stdout: 'root\n' });
      expect(await runOnVps(N, 'cat /root/from-facteur')).toBe('first line\nsecond line\n');
      expect((await session.root.exec('exit 3')).code).toBe(3);
    } finally {
      session.close();
    }
    // Kept in memory only: neither the data directory nor the server's files hold it.
    for (const f of readdirSync(facteur.home))
      expect(readFileSync(join(facteur.home, f), 'utf8')).not.toContain(vps.sudoPassword);
    expect((await execOnVps(N, `grep -rlF '${vps.sudoPassword}' /root /home /tmp`)).stdout).toBe('');
  });

  it('reaches Docker through sudo (docker system dial-stdio) on the one SSH connection', async () => {
    // The sudo user cannot open Docker's socket itself: only root can.
    const direct = await execOnVps(N, 'su owner -c "test -w /var/run/docker.sock"');
    expect(direct.code).not.toBe(0);
    const expected = (await runOnVps(N, "docker version --format '{{.Server.Version}}'")).trim();

    const before = ownerLogins();
    const session = await hosts.session(serverId);
    try {
      expect((await session.docker.version()).version).toBe(expected);
      // Several API calls, each its own channel (and its own dial-stdio) on that connection.
      expect(await session.docker.imageId('no-such-image:1')).toBeUndefined();
      expect(await session.docker.containersWithLabel('org.facteur.test=none')).toEqual([]);
      await Promise.all([session.docker.apiVersion(), session.docker.inspectContainer('nothing-here')]);
      expect(ownerLogins() - before).toBe(1);
      expect(await sshConnections()).toBe(1);
    } finally {
      session.close();
    }
  });

  it('a password changed on the server since is dropped, and asked for again', async () => {
    await runOnVps(N, "echo 'owner:changed-on-the-server' | chpasswd");
    try {
      const err = await refusal(hosts.session(serverId));
      expect(err.code).toBe('SUDO_PASSWORD_NEEDED');
      expect(err.message).toMatch(/was refused/);
      expect((await hosts.access(serverId)).privileges).toBe('password-needed');
    } finally {
      await runOnVps(N, `echo 'owner:${vps.sudoPassword}' | chpasswd`);
    }
  });

  it('uses sudo without a password when sudoers allows it', async () => {
    await runOnVps(
      N,
      "echo 'owner ALL=(ALL) NOPASSWD: ALL' > /etc/sudoers.d/owner && chmod 440 /etc/sudoers.d/owner",
    );
    try {
      expect((await hosts.access(serverId)).privileges).toBe('passwordless');
      const session = await hosts.session(serverId);
      try {
        expect((await session.root.exec('id -u', { stdin: 'ignored\n' })).stdout).toBe('0\n');
        expect((await session.docker.version()).version).toMatch(/^\d+\.\d+/);
      } finally {
        session.close();
      }
    } finally {
      await runOnVps(N, 'rm -f /etc/sudoers.d/owner');
    }
  });
});
