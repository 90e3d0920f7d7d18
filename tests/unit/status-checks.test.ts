import { describe, expect, it } from 'vitest';
import { AlertTracker } from '../../src/main/services/status/alert-tracker';
import { blocklistsCheck, reversedIpv4 } from '../../src/main/services/status/blocklists';
import {
  backupsCheck,
  diskCheck,
  memoryCheck,
  firewallCheck,
  sshPasswordCheck,
  updatesCheck,
} from '../../src/main/services/status/server-checks';
import { parsePendingUpdates, parseStatusProbe } from '../../src/main/services/status/server-probe';
import { certificateCheck } from '../../src/main/services/status/stack-checks';

describe('alert tracker: one alert per state change', () => {
  it('stays silent on a good first look and on repeats, alerts once each way, ignores unknowns', () => {
    const t = new AlertTracker();
    expect(t.observe('s', 'roles', false)).toBeUndefined();
    expect(t.observe('s', 'roles', false)).toBeUndefined();
    expect(t.observe('s', 'roles', true)).toBe('problem');
    expect(t.observe('s', 'roles', true)).toBeUndefined();
    expect(t.observe('s', 'roles', undefined)).toBeUndefined();
    expect(t.observe('s', 'roles', false)).toBe('recovered');
    expect(t.observe('s', 'roles', false)).toBeUndefined();
  });
  it('alerts on a bad first look, per server and signal', () => {
    const t = new AlertTracker();
    expect(t.observe('a', 'disk', true)).toBe('problem');
    expect(t.observe('b', 'disk', false)).toBeUndefined();
    expect(t.observe('a', 'certificate', false)).toBeUndefined();
  });
});

describe('blocklist check: never a false "listed"', () => {
  it('reverses the address and reads the answers', () => {
    expect(reversedIpv4('203.0.113.7')).toBe('7.113.0.203');
    const asked = (answers: Parameters<typeof blocklistsCheck>[0] & { kind: 'asked' }) => answers;
    expect(
      blocklistsCheck(
        asked({ kind: 'asked', resolver: 'r', answers: [{ zone: 'zen', outcome: 'clear' }] }),
        '1.2.3.4',
      ),
    ).toMatchObject({ status: 'ok', reason: 'clear' });
    expect(
      blocklistsCheck(
        asked({
          kind: 'asked',
          resolver: 'r',
          answers: [
            { zone: 'zen', outcome: 'unknown', reason: 'refused' },
            { zone: 'other', outcome: 'clear' },
          ],
        }),
        '1.2.3.4',
      ),
    ).toMatchObject({ status: 'unknown', reason: 'noAnswer' });
    expect(blocklistsCheck({ kind: 'publicResolver', resolver: '8.8.8.8' }, '1.2.3.4')).toMatchObject({
      status: 'unknown',
      reason: 'publicResolver',
    });
  });
});

describe('server checks', () => {
  const probe = (text: string) => parseStatusProbe(text);
  it('disk: warn above 80 %, fail above 90 %', () => {
    const at = (free: number) => diskCheck(probe(`disk_total=100\ndisk_used=0\ndisk_free=${free}`)).status;
    expect([at(50), at(15), at(5)]).toEqual(['ok', 'warn', 'fail']);
  });
  it('memory: figures in kB, beyond 2 GB', () => {
    expect(memoryCheck(probe('mem_total_kb=24683656\nmem_available_kb=21996996')).params.percent).toBe(11);
  });
  it('firewall: inactive, ports blocked, fine', () => {
    const ufw = (lines: string) => probe(`ufw=/usr/sbin/ufw\n--ufw\n${lines}\n--end`);
    expect(firewallCheck(ufw('Status: inactive'), [25]).reason).toBe('inactive');
    expect(firewallCheck(ufw('Status: active\n22/tcp ALLOW Anywhere'), [25, 80]).params.ports).toBe('25, 80');
    expect(firewallCheck(ufw('Status: active\n25/tcp ALLOW Anywhere'), [25]).status).toBe('ok');
    expect(firewallCheck(probe('ufw='), [25]).reason).toBe('noUfw');
  });
  it('SSH password login from sshd -T', () => {
    const sshd = (lines: string) => sshPasswordCheck(probe(`--sshd\n${lines}\n--end`));
    expect(sshd('passwordauthentication yes\nkbdinteractiveauthentication no').reason).toBe('enabled');
    expect(sshd('passwordauthentication no\nkbdinteractiveauthentication no').status).toBe('ok');
    expect(sshd('').status).toBe('unknown');
  });
  it('updates: security ones named', () => {
    const c = updatesCheck(
      parsePendingUpdates(
        'Inst libssl3 [3.0.11-1~deb12u1] (3.0.11-1~deb12u2 Debian-Security:12/stable-security [amd64])\nInst tzdata [2024a] (2024b Debian:12.8/stable [all])\n',
      ),
    );
    expect(c).toMatchObject({ status: 'warn', reason: 'security', value: '2 (1 security)' });
    expect(c.params.packages).toBe('libssl3');
    expect(updatesCheck(parsePendingUpdates('no-apt\n')).reason).toBe('noApt');
  });
  it('backups: off, none yet, failed, missed after two periods, fine with their age', () => {
    const now = new Date('2026-05-10T12:00:00Z');
    const daily = { dailyAt: '03:30' };
    const at = (status: object, schedule: object = daily) =>
      backupsCheck({ schedule, status } as Parameters<typeof backupsCheck>[0], now);
    expect(backupsCheck(undefined, now)).toMatchObject({ status: 'warn', reason: 'off' });
    // Turned off on the server: off, though the last backup is fresh.
    expect(
      backupsCheck(
        { enabled: false, schedule: daily, status: { state: 'ok', lastSuccessAt: '2026-05-10T03:30:00Z' } },
        now,
      ),
    ).toMatchObject({ status: 'warn', reason: 'off' });
    expect(backupsCheck({ error: 'timed out' }, now)).toMatchObject({ status: 'unknown', reason: 'unread' });
    expect(at({ state: 'never' })).toMatchObject({ status: 'warn', reason: 'none' });
    expect(at({ state: 'failed', error: 'the bucket refused the upload' })).toMatchObject({
      status: 'fail',
      reason: 'failed',
      params: { error: 'the bucket refused the upload' },
    });
    expect(at({ state: 'ok', lastSuccessAt: '2026-05-10T03:30:00Z' })).toMatchObject({
      status: 'ok',
      params: { hours: 9 },
    });
    expect(at({ state: 'ok', lastSuccessAt: '2026-05-08T03:30:00Z' })).toMatchObject({
      status: 'fail',
      reason: 'missed',
      params: { hours: 57 },
    });
    // Every hour: three hours without one is two missed periods.
    const hourly = { everyMs: 3_600_000 };
    expect(at({ state: 'ok', lastSuccessAt: '2026-05-10T10:30:00Z' }, hourly).reason).toBe('ok');
    expect(at({ state: 'ok', lastSuccessAt: '2026-05-10T09:00:00Z' }, hourly).reason).toBe('missed');
  });
  it('certificate: warn under 14 days', () => {
    const cert = (daysLeft: number) =>
      certificateCheck({
        status: 'ok',
        version: '1',
        redis: 'up',
        roles: [],
        certificate: { daysLeft, selfSigned: false, notAfter: '2030-01-01T00:00:00Z' },
      }).status;
    expect([cert(60), cert(13), cert(-1)]).toEqual(['ok', 'warn', 'fail']);
  });
});
