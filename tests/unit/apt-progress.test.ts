import { describe, expect, it } from 'vitest';
import { aptStatusHandler, parseAptStatus, ProgressBar } from '../../src/main/services/host/apt-progress';
import { asRoot } from '../../src/main/services/host/root-shell';
import { sudoRefusal } from '../../src/main/services/host/sudo-refusal';

describe("apt's status lines", () => {
  it('parses download and package lines, descriptions with colons included', () => {
    expect(parseAptStatus('dlstatus:3:42.5:Retrieving file 3 of 7')).toEqual({
      kind: 'download',
      percent: 42.5,
      description: 'Retrieving file 3 of 7',
    });
    expect(parseAptStatus('pmstatus:docker.io:71.4286:Configuring docker.io (amd64): almost')).toEqual({
      kind: 'install',
      percent: 71.4286,
      description: 'Configuring docker.io (amd64): almost',
    });
    expect(parseAptStatus('Reading package lists...')).toBeUndefined();
    expect(parseAptStatus('pmerror:foo:10:broken')).toBeUndefined();
  });

  it('maps phases into ranges of one bar that never goes back and skips repeats', () => {
    const seen: Array<[number, string]> = [];
    const bar = new ProgressBar((p, m) => seen.push([p, m]));
    const feed = aptStatusHandler(
      bar,
      { from: 10, split: 50, to: 90 },
      { download: 'Downloading', install: 'Installing' },
    );
    feed('dlstatus:1:0:Retrieving file 1 of 2');
    feed('dlstatus:1:0:Retrieving file 1 of 2');
    feed('dlstatus:2:50:Retrieving file 2 of 2');
    feed('pmstatus:runc:0:Installing runc');
    feed('dlstatus:2:10:Retrieving file 2 of 2'); // late download line: the bar stays
    feed('pmstatus:docker.io:100:Installed docker.io');
    expect(seen).toEqual([
      [10, 'Downloading: Retrieving file 1 of 2'],
      [30, 'Downloading: Retrieving file 2 of 2'],
      [50, 'Installing: Installing runc'],
      [50, 'Downloading: Retrieving file 2 of 2'],
      [90, 'Installing: Installed docker.io'],
    ]);
  });
});

describe('commands as root', () => {
  it('runs as is for root, through sudo -n without a password, through sudo -k -S with one', () => {
    expect(asRoot("echo 'hi'", { kind: 'direct' })).toBe("echo 'hi'");
    expect(asRoot("echo 'hi'", { kind: 'sudo' })).toBe(`sudo -n sh -c 'echo '\\''hi'\\'''`);
    expect(asRoot('id -u', { kind: 'sudo', password: 'secret' })).toBe("sudo -k -S -p '' sh -c 'id -u'");
    // The password travels on stdin, never on the command line.
    expect(asRoot('id -u', { kind: 'sudo', password: 'secret' })).not.toContain('secret');
  });

  it("turns sudo's complaints into plain sentences", () => {
    const server = { user: 'owner', name: 'my VPS' };
    expect(sudoRefusal(server, 'Sorry, try again.\nsudo: 1 incorrect password attempt\n')).toMatchObject({
      code: 'AUTH_FAILED',
      message:
        'my VPS refused this sudo password for "owner". Facteur did not keep it: check it and try again.',
    });
    expect(sudoRefusal(server, 'owner is not in the sudoers file.\n')).toMatchObject({
      code: 'COMMAND_FAILED',
      message: expect.stringMatching(/"owner" is not allowed to use sudo on my VPS/) as unknown,
    });
  });
});
