import { describe, expect, inject, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { rekeyVps, runOnVps } from '../infra/testbed';
import { freshFacteur } from '../support/facteur';
import { scanFingerprint } from '../support/ssh';

const vps = inject('vps');
const clientKey = () => readFileSync(vps.clientKeyPath, 'utf8');
const target = () => ({ host: vps.host, port: vps.port, user: vps.user });

function hostRootKeysDigest(): string {
  try {
    return createHash('sha256').update(readFileSync('/root/.ssh/authorized_keys')).digest('hex');
  } catch {
    return 'absent';
  }
}

describe('adding a server over SSH (real sshd + dockerd VPS)', () => {
  // Another test file may have rotated the host key: start from what OpenSSH sees now.
  vps.hostKeyFingerprint = scanFingerprint(vps.host, vps.port);

  it('reads the host key without logging in, matching ssh-keygen', async () => {
    const { call } = freshFacteur();
    const scan = await call('scanHostKey', { host: vps.host, port: vps.port });
    expect(scan.fingerprint).toBe(vps.hostKeyFingerprint);
    expect(scan.algorithm).toBe('ssh-ed25519');
  });

  it('adds a server with a private key and shows its facts, Docker version included', async () => {
    const { call, home } = freshFacteur();
    const profile = await call('addServer', {
      ...target(),
      name: 'VPS one',
      auth: { kind: 'privateKey', privateKey: clientKey() },
      confirmedFingerprint: vps.hostKeyFingerprint,
    });
    const dockerVersion = (await runOnVps(1, "docker version --format '{{.Server.Version}}'")).trim();
    expect(dockerVersion).toMatch(/^\d+\.\d+/);
    expect(profile.facts).toMatchObject({
      arch: execFileSync('uname', ['-m']).toString().trim(),
      dockerVersion,
    });
    expect(profile.facts?.os).toMatch(/Debian/);
    const memTotalKb = Number(/MemTotal:\s+(\d+)/.exec(await runOnVps(vps.index, 'cat /proc/meminfo'))![1]);
    expect(profile.facts?.ramBytes).toBe(memTotalKb * 1024);
    expect(profile.facts?.diskTotalBytes).toBeGreaterThan(profile.facts?.diskFreeBytes ?? Infinity);
    expect(await call('listServers', {})).toHaveLength(1);
    // The private key is in the vault, encrypted: no file in the data directory holds it in clear.
    const keyBody = clientKey().split('\n')[2]!;
    for (const f of readdirSync(home)) expect(readFileSync(join(home, f), 'utf8')).not.toContain(keyBody);
    const checked = await call('checkServer', { id: profile.id });
    expect(checked.facts?.checkedAt).not.toBe(profile.facts?.checkedAt);
  });

  it('uses a password once to install its own key, then logs in with that key only', async () => {
    const before = hostRootKeysDigest();
    const { call, home } = freshFacteur();
    const profile = await call('addServer', {
      ...target(),
      auth: { kind: 'password', password: vps.password },
      confirmedFingerprint: vps.hostKeyFingerprint,
    });
    const keys = await runOnVps(1, 'cat /root/.ssh/authorized_keys');
    expect(keys).toMatch(/^ssh-ed25519 \S+ facteur@/m);
    for (const f of readdirSync(home))
      expect(readFileSync(join(home, f), 'utf8')).not.toContain(vps.password);
    // Password logins switched off on the VPS: the stored key alone must still work.
    await runOnVps(1, 'true'); // the VPS is alive
    const again = await call('checkServer', { id: profile.id });
    expect(again.facts?.dockerVersion).toBeTruthy();
    // Adding twice installs the key once and keeps one profile.
    await call('addServer', {
      ...target(),
      auth: { kind: 'password', password: vps.password },
      confirmedFingerprint: vps.hostKeyFingerprint,
    });
    expect(await call('listServers', {})).toHaveLength(1);
    expect(hostRootKeysDigest()).toBe(before); // the machine running the tests is untouched
  });

  it('refuses a wrong key or password with a clear error and saves nothing', async () => {
    const { call } = freshFacteur();
    const other = execFileSync('bash', [
      '-c',
      'd=$(mktemp -d) && ssh-keygen -q -t ed25519 -N "" -f $d/k && cat $d/k',
    ]).toString();
    await expect(
      call('addServer', {
        ...target(),
        auth: { kind: 'privateKey', privateKey: other },
        confirmedFingerprint: vps.hostKeyFingerprint,
      }),
    ).rejects.toMatchObject({
      code: 'AUTH_FAILED',
      message: expect.stringContaining('refused to let "root" log in'),
    });
    await expect(
      call('addServer', {
        ...target(),
        auth: { kind: 'password', password: 'not-the-password' },
        confirmedFingerprint: vps.hostKeyFingerprint,
      }),
    ).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    await expect(
      call('addServer', {
        ...target(),
        auth: { kind: 'privateKey', privateKey: 'hello' },
        confirmedFingerprint: vps.hostKeyFingerprint,
      }),
    ).rejects.toMatchObject({ code: 'KEY_INVALID' });
    expect(await call('listServers', {})).toHaveLength(0);
  });

  it('refuses to authenticate to a host whose key is not the one confirmed', async () => {
    const { call } = freshFacteur();
    const wrong = 'SHA256:' + 'A'.repeat(43);
    await expect(
      call('addServer', {
        ...target(),
        auth: { kind: 'password', password: vps.password },
        confirmedFingerprint: wrong,
      }),
    ).rejects.toMatchObject({
      code: 'HOST_KEY_CHANGED',
      params: { expected: wrong, actual: vps.hostKeyFingerprint },
    });
  });

  it('says plainly when a host cannot be reached, within 10 seconds', async () => {
    const { call } = freshFacteur();
    // Refused: nothing listens on that port of the VPS.
    let t0 = Date.now();
    await expect(call('scanHostKey', { host: vps.host, port: 2 })).rejects.toMatchObject({
      code: 'UNREACHABLE',
      message: expect.stringContaining('connection refused'),
    });
    expect(Date.now() - t0).toBeLessThan(10_000);
    // Silent: the VPS firewall drops the packets, so only the timeout can tell.
    await runOnVps(1, 'iptables -I INPUT -p tcp --dport 2222 -j DROP');
    try {
      t0 = Date.now();
      await expect(call('scanHostKey', { host: vps.host, port: 2222 })).rejects.toMatchObject({
        code: 'UNREACHABLE',
      });
      expect(Date.now() - t0).toBeLessThan(10_000);
    } finally {
      await runOnVps(1, 'iptables -D INPUT -p tcp --dport 2222 -j DROP');
    }
  });

  it('refuses a later connection when the host key changed, naming both fingerprints', async () => {
    const { call } = freshFacteur();
    const profile = await call('addServer', {
      ...target(),
      auth: { kind: 'privateKey', privateKey: clientKey() },
      confirmedFingerprint: vps.hostKeyFingerprint,
    });
    const rekeyed = await rekeyVps(1);
    try {
      expect(rekeyed.hostKeyFingerprint).not.toBe(vps.hostKeyFingerprint);
      await expect(call('checkServer', { id: profile.id })).rejects.toMatchObject({
        code: 'HOST_KEY_CHANGED',
        params: { expected: vps.hostKeyFingerprint, actual: rekeyed.hostKeyFingerprint },
      });
    } finally {
      vps.hostKeyFingerprint = rekeyed.hostKeyFingerprint;
    }
  });
});
