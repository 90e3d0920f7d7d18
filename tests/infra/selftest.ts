/**
 * Self-test of the test bed (not part of the vitest projects): `npx tsx tests/infra/selftest.ts`.
 * Starts VPS 1 and 2 together, logs in with OpenSSH (key and password), checks the VPS dockerd,
 * that what a test does over SSH stays inside the VPS, and that rekeying changes the host key.
 * Leaves VPS 1 and 2 stopped; run teardown.sh afterwards to stop dockerd and Redis.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ensureTestbed, rekeyVps, runOnVps, startVps, stopVps, type VpsInfo } from './testbed';

function sh(cmd: string, input?: string): string {
  return execFileSync('bash', ['-c', cmd], { input, encoding: 'utf8' });
}

function ssh(vps: VpsInfo, command: string): string {
  return execFileSync(
    'ssh',
    [
      ...['-i', vps.clientKeyPath, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes'],
      ...['-o', `UserKnownHostsFile=${vps.knownHostsPath}`, '-o', 'GlobalKnownHostsFile=/dev/null'],
      ...['-o', 'StrictHostKeyChecking=yes', '-p', String(vps.port), `${vps.user}@${vps.host}`, command],
    ],
    { encoding: 'utf8' },
  );
}

/** Digest of a directory tree (names, modes, contents) or 'absent'. */
function treeDigest(path: string): string {
  if (!existsSync(path)) return 'absent';
  const hash = createHash('sha256');
  const walk = (p: string): void => {
    const st = statSync(p);
    hash.update(`${p} ${st.mode}\n`);
    if (st.isDirectory()) for (const e of readdirSync(p).sort()) walk(join(p, e));
    else if (st.isFile()) hash.update(readFileSync(p));
  };
  walk(path);
  return hash.digest('hex');
}

async function timed<T>(label: string, f: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const value = await f();
  console.log(`${label}: ${Math.round(performance.now() - t0)} ms`);
  return value;
}

async function main(): Promise<void> {
  const bed = await timed('ensureTestbed', ensureTestbed);
  assert.match(sh(`${bed.node24Bin} --version`), /^v24\./);
  assert.equal(sh(`redis-cli -u ${bed.redisUrl} ping`).trim(), 'PONG');
  assert.match(sh(`docker -H ${bed.dockerHost} image inspect -f '{{.Id}}' ${bed.baseImage}`), /^sha256:/);

  const hostBefore = {
    rootSsh: treeDigest('/root/.ssh'),
    shadow: treeDigest('/etc/shadow'),
    varLibFacteur: treeDigest('/var/lib/facteur'),
    hostname: sh('hostname'),
  };

  const [vps1, vps2] = await timed('startVps(1) + startVps(2) together', () =>
    Promise.all([startVps(1), startVps(2)]),
  );
  assert.equal(vps1.host, '10.231.1.2');
  assert.equal(vps2.host, '10.231.2.2');
  assert.match(vps1.hostKeyFingerprint, /^SHA256:[A-Za-z0-9+/]{43}$/);
  const scanned = sh(`ssh-keyscan -t ed25519 ${vps1.host} 2>/dev/null | ssh-keygen -lf -`);
  assert.ok(scanned.includes(vps1.hostKeyFingerprint), 'ssh-keyscan sees the announced host key');

  for (const vps of [vps1, vps2]) {
    assert.equal(ssh(vps, 'hostname').trim(), vps.name);
    assert.match(ssh(vps, "docker version --format '{{.Server.Version}}'"), /^\d+\.\d+/);
    const withPassword = execFileSync(
      'sshpass',
      [
        ...['-e', 'ssh', '-o', 'PubkeyAuthentication=no', '-o', `UserKnownHostsFile=${vps.knownHostsPath}`],
        ...['-o', 'GlobalKnownHostsFile=/dev/null', `${vps.user}@${vps.host}`, 'echo password-ok'],
      ],
      { encoding: 'utf8', env: { ...process.env, SSHPASS: vps.password } },
    );
    assert.equal(withPassword.trim(), 'password-ok', 'password login');
  }

  let t0 = performance.now();
  for (let i = 0; i < 5; i++) ssh(vps1, 'true');
  console.log(
    `ssh connect + true (OpenSSH client, mean of 5): ${Math.round((performance.now() - t0) / 5)} ms`,
  );

  // What a test does over SSH stays in the VPS.
  const key = sh(
    'd=$(mktemp -d) && ssh-keygen -q -t ed25519 -N "" -C isolation@test -f $d/k && cat $d/k.pub',
  );
  ssh(
    vps1,
    `umask 077; mkdir -p ~/.ssh && echo '${key.trim()}' >> ~/.ssh/authorized_keys && ` +
      `echo root:changed | chpasswd && mkdir -p /var/lib/facteur && echo x > /var/lib/facteur/probe && ` +
      `hostname renamed && echo y > /etc/facteur-probe`,
  );
  assert.ok((await runOnVps(1, 'cat /root/.ssh/authorized_keys')).includes('isolation@test'));
  assert.equal((await runOnVps(1, 'cat /var/lib/facteur/probe')).trim(), 'x');
  assert.deepEqual(
    {
      rootSsh: treeDigest('/root/.ssh'),
      shadow: treeDigest('/etc/shadow'),
      varLibFacteur: treeDigest('/var/lib/facteur'),
      hostname: sh('hostname'),
    },
    hostBefore,
    'the host is untouched',
  );
  assert.equal(existsSync('/etc/facteur-probe'), false);
  await runOnVps(1, 'rm -f /etc/facteur-probe /var/lib/facteur/probe && hostname facteur-vps-1');

  // runOnVps: stdout, exit codes, stdin.
  assert.equal(await runOnVps(1, 'cat', { input: 'hello' }), 'hello');
  await assert.rejects(runOnVps(1, 'echo oops >&2; exit 3'), /exited with 3: oops/);

  // Rekey: new fingerprint, served at once.
  t0 = performance.now();
  const rekeyed = await rekeyVps(1);
  console.log(`rekeyVps: ${Math.round(performance.now() - t0)} ms`);
  assert.notEqual(rekeyed.hostKeyFingerprint, vps1.hostKeyFingerprint);
  assert.ok(
    sh(`ssh-keyscan -t ed25519 ${vps1.host} 2>/dev/null | ssh-keygen -lf -`).includes(
      rekeyed.hostKeyFingerprint,
    ),
  );
  assert.equal(ssh(rekeyed, 'echo ok').trim(), 'ok');

  // A restart keeps the host key and restores the known password.
  await timed('stopVps(1)', () => stopVps(1));
  const again = await timed('startVps(1) again', () => startVps(1));
  assert.equal(again.hostKeyFingerprint, rekeyed.hostKeyFingerprint);
  assert.equal(again.password, vps1.password);

  await Promise.all([stopVps(1), stopVps(2)]);
  assert.equal(sh('ip netns list | grep -c facteur-vps || true').trim(), '0');
  console.log('test bed self-test: OK');
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
