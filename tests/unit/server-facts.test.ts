import { describe, expect, it } from 'vitest';
import { parseFacts } from '../../src/main/services/servers/server-facts';
import { algorithmOf, fingerprintOf } from '../../src/main/services/ssh/fingerprint';

describe('server facts', () => {
  it('parses the one-round-trip script output', () => {
    const stdout =
      'os=Debian GNU/Linux 12 (bookworm)\narch=x86_64\nmem_kb=25165824\ndisk_total=52521566208\ndisk_free=40000000000\n';
    const facts = parseFacts({ code: 0, stdout, stderr: '' }, '20.10.24', new Date('2026-01-01T00:00:00Z'));
    expect(facts).toEqual({
      os: 'Debian GNU/Linux 12 (bookworm)',
      arch: 'x86_64',
      ramBytes: 25_769_803_776, // above 2^31: read as kB, never capped
      diskTotalBytes: 52521566208,
      diskFreeBytes: 40000000000,
      dockerVersion: '20.10.24',
      checkedAt: '2026-01-01T00:00:00.000Z',
    });
  });

  it('says unknown rather than guessing when output is missing', () => {
    const facts = parseFacts({ code: 1, stdout: 'garbage\n', stderr: '' }, null, new Date(0));
    expect(facts).toMatchObject({ os: 'unknown', arch: 'unknown', ramBytes: 0, dockerVersion: null });
  });
});

describe('host key fingerprints', () => {
  it('reads the algorithm and prints the OpenSSH SHA256 form', () => {
    const name = Buffer.from('ssh-ed25519');
    const blob = Buffer.concat([
      Buffer.from([0, 0, 0, name.length]),
      name,
      Buffer.from([0, 0, 0, 32]),
      Buffer.alloc(32, 7),
    ]);
    expect(algorithmOf(blob)).toBe('ssh-ed25519');
    expect(fingerprintOf(blob)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(algorithmOf(Buffer.from([0, 0]))).toBe('unknown');
  });
});
