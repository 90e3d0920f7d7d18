import { describe, expect, inject, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanFingerprint } from '../support/ssh';

const vps = inject('vps');

function facteur(home: string, args: string[], input?: string) {
  const res = spawnSync('node', ['bin/facteur.cjs', ...args], {
    env: { ...process.env, FACTEUR_HOME: home },
    input,
    encoding: 'utf8',
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

describe('the facteur CLI', () => {
  it('prints help', () => {
    const res = facteur(mkdtempSync(join(tmpdir(), 'cli-')), ['--help']);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('facteur server add');
    expect(res.stdout).toContain('facteur server check');
  });

  it('adds, lists and checks a server', async () => {
    const home = mkdtempSync(join(tmpdir(), 'cli-'));
    const fingerprint = scanFingerprint(vps.host, vps.port);
    const add = facteur(home, [
      'server',
      'add',
      '--host',
      vps.host,
      '--user',
      'root',
      '--key',
      vps.clientKeyPath,
      '--name',
      'cli-vps',
      '--fingerprint',
      fingerprint,
      '--json',
    ]);
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
    expect(JSON.parse(add.stdout)).toMatchObject({
      name: 'cli-vps',
      host: vps.host,
      facts: { arch: expect.any(String) },
    });
    const list = facteur(home, ['server', 'list']);
    expect(list.stdout).toContain(`root@${vps.host}:22`);
    expect(list.stdout).toMatch(/Docker \d+\.\d+/);
    const check = facteur(home, ['server', 'check', 'cli-vps', '--json']);
    expect(check.code).toBe(0);
    expect(JSON.parse(check.stdout).facts.dockerVersion).toMatch(/^\d+\.\d+/);
  });

  it('adds with a password read from stdin, confirming with --yes', () => {
    const home = mkdtempSync(join(tmpdir(), 'cli-'));
    const add = facteur(
      home,
      ['server', 'add', '--host', vps.host, '--user', 'root', '--password-stdin', '--yes'],
      vps.password + '\n',
    );
    expect(add.code).toBe(0);
    expect(add.stderr).toMatch(/host key SHA256:/);
    expect(add.stdout).toContain('Added.');
  });

  it('fails with a plain message and a non-zero code', () => {
    const home = mkdtempSync(join(tmpdir(), 'cli-'));
    const bad = facteur(home, ['server', 'check', 'nope']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('No server called "nope"');
    const usage = facteur(home, ['server', 'add', '--host', vps.host]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('needs --host and --user');
  });
});
