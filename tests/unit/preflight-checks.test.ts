import { describe, expect, it } from 'vitest';
import {
  evaluatePreflight,
  isPublicAddress,
  listeningPorts,
  type PreflightFacts,
} from '../../src/main/services/preflight/preflight-checks';
import { parseProbe, probeScript, splitHostPort } from '../../src/main/services/preflight/preflight-probe';

const probeOutput = (
  extra: Record<string, string> = {},
  listen: string[] = [],
  addr: string[] = ['203.0.113.7/24'],
) => {
  const values: Record<string, string> = {
    os_id: 'debian',
    os_version: '12',
    os_name: 'Debian GNU/Linux 12 (bookworm)',
    arch: 'x86_64',
    mem_kb: String(8 * 1024 ** 2), // 8 GiB: above 2^31 bytes
    disk_free: String(40 * 1024 ** 3),
    uid: '0',
    now: '1000.0',
    ntp: 'yes',
    docker_cli: '/usr/bin/docker',
    apt: '/usr/bin/apt-get',
    smtp_out: 'open',
    ...extra,
  };
  return [
    ...Object.entries(values).map(([k, v]) => `${k}=${v}`),
    '--listen',
    ...listen,
    '--end',
    '--addr',
    ...addr,
    '--end',
  ].join('\n');
};

const facts = (stdout: string, over: Partial<PreflightFacts> = {}): PreflightFacts => ({
  probe: parseProbe(stdout),
  dockerVersion: '27.3.1',
  localTimeS: 1000.3,
  facteurPorts: [],
  ptr: { status: 'found', name: 'mail.example.org' },
  smtpProbe: 'mx.example:25',
  ...over,
});

const byId = (checks: ReturnType<typeof evaluatePreflight>) =>
  Object.fromEntries(checks.map((c) => [c.id, c]));

describe('preflight checks', () => {
  it('passes a healthy Debian 12 VPS', () => {
    const checks = byId(evaluatePreflight(facts(probeOutput())));
    for (const id of [
      'os',
      'arch',
      'memory',
      'disk',
      'privileges',
      'docker',
      'ports',
      'clock',
      'addresses',
      'ptr',
      'smtpOut',
    ]) {
      expect(checks[id]?.status, id).toBe('ok');
    }
    expect(checks.reachability?.status).toBe('unknown');
  });

  it('names busy ports and ignores other ports', () => {
    const out = probeOutput({}, ['0.0.0.0:22', '[::]:80', '127.0.0.1:25', '0.0.0.0:8080']);
    const ports = byId(evaluatePreflight(facts(out))).ports!;
    expect(ports).toMatchObject({ status: 'fail', value: '25, 80' });
    expect(ports.fix).toMatch(/Stop or remove/);
    expect(listeningPorts(['[::]:993', '*:25'])).toEqual(new Set([993, 25]));
  });

  it('says unknown, not closed, when outbound port 25 cannot be decided', () => {
    const c = byId(evaluatePreflight(facts(probeOutput({ smtp_out: 'closed:124' })))).smtpOut!;
    expect(c.status).toBe('unknown');
    expect(c.message).toContain('did not answer in time');
  });

  it('flags old systems, small machines, a wrong clock and missing Docker', () => {
    const out = probeOutput({
      os_version: '10',
      os_name: 'Debian 10',
      mem_kb: String(300 * 1024),
      disk_free: String(2 * 1024 ** 3),
      now: '1100',
    });
    const checks = byId(evaluatePreflight(facts(out, { dockerVersion: null })));
    expect(checks.os?.status).toBe('fail');
    expect(checks.memory?.status).toBe('fail');
    expect(checks.disk?.status).toBe('fail');
    expect(checks.clock).toMatchObject({ status: 'fail' });
    expect(checks.docker).toMatchObject({
      status: 'fail',
      value: 'not running',
      fix: expect.stringContaining('install Docker'),
    });
  });

  it('tells a NAT-ed server from a public one, and PTR unknown when it cannot be looked up', () => {
    const checks = byId(evaluatePreflight(facts(probeOutput({}, [], ['10.231.1.2/30']), { ptr: undefined })));
    expect(checks.addresses?.status).toBe('warn');
    expect(checks.ptr?.status).toBe('unknown');
    expect(isPublicAddress('2001:db8::1')).toBe(true);
    expect(isPublicAddress('fd00::1')).toBe(false);
    expect(isPublicAddress('172.20.0.1')).toBe(false);
    expect(isPublicAddress('172.32.0.1')).toBe(true);
  });

  it('handles sudo users', () => {
    expect(
      byId(evaluatePreflight(facts(probeOutput({ uid: '1000', sudo: 'password' })))).privileges?.status,
    ).toBe('ok');
    expect(
      byId(evaluatePreflight(facts(probeOutput({ uid: '1000', sudo: 'none' })))).privileges?.status,
    ).toBe('fail');
  });

  it('quotes the probe target safely', () => {
    expect(splitHostPort('[2001:db8::1]:25')).toEqual(['2001:db8::1', 25]);
    expect(() => splitHostPort('nonsense')).toThrow();
    expect(probeScript({ smtpProbe: "evil';rm -rf /;':25", smtpProbeTimeoutS: 5 })).toContain(
      `'exec 3<>/dev/tcp/evil'\\''`,
    );
  });
});
