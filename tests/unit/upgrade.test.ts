/**
 * The pure parts of upgrades: version order, the changelog and what changes between two versions
 * (the project's own CHANGELOG.md parses), the replacement order (MX last), the unattended-upgrades
 * state read back from apt's file, and when the auto-upgrade scheduler upgrades a server.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerPlan } from '../../src/main/services/stack/container-options';
import { servicesOf } from '../../src/main/services/stack/stack-spec';
import { AutoUpgradeScheduler, dueDay } from '../../src/main/services/upgrade/auto-upgrade-scheduler';
import { changesBetween, parseChangelog } from '../../src/main/services/upgrade/changelog';
import { replaceOrder } from '../../src/main/services/upgrade/rolling-replace';
import { parseState } from '../../src/main/services/upgrade/unattended-upgrades';
import { compareVersions } from '../../src/main/services/upgrade/versions';
import type { UpgradeResult, UpgradeSettings } from '../../src/shared/upgrade';

describe('versions', () => {
  it('orders numerically, a pre-release before its release', () => {
    expect(compareVersions('0.10.0', '0.9.9')).toBe(1);
    expect(compareVersions('1.0.0', '1.0.0')).toBe(0);
    expect(compareVersions('1.0.0-rc.1', '1.0.0')).toBe(-1);
    expect(compareVersions('v2.0.0', '1.9.0')).toBe(1);
  });
});

describe('changelog', () => {
  const text = `# Changelog\n\n## 0.2.0 (2026-03-01)\n- New thing\n  on two lines.\n- Other.\n\n## 0.1.1\n* Fix.\n\n## 0.1.0 (2026-01-01)\n- First.\n`;

  it('parses one section per version with its changes', () => {
    expect(parseChangelog(text)).toEqual([
      { version: '0.2.0', date: '2026-03-01', changes: ['New thing on two lines.', 'Other.'] },
      { version: '0.1.1', changes: ['Fix.'] },
      { version: '0.1.0', date: '2026-01-01', changes: ['First.'] },
    ]);
  });

  it('keeps the sections newer than the running version, up to the target', () => {
    const entries = parseChangelog(text);
    expect(changesBetween(entries, '0.1.0', '0.2.0').map((e) => e.version)).toEqual(['0.2.0', '0.1.1']);
    expect(changesBetween(entries, '0.1.1', '0.1.1')).toEqual([]);
    expect(changesBetween(entries, null, '0.1.1').map((e) => e.version)).toEqual(['0.1.1', '0.1.0']);
  });

  it("reads the server bundle's own CHANGELOG.md, with the package's version in it", () => {
    const root = join(import.meta.dirname, '..', '..', 'server-bundle');
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    const entries = parseChangelog(readFileSync(join(root, 'CHANGELOG.md'), 'utf8'));
    const current = entries.find((e) => e.version === version);
    expect(current?.changes.length).toBeGreaterThan(0);
  });
});

describe('replacement order', () => {
  it('replaces Redis first and the MX container last, in both layouts', () => {
    const plans = (layout: 'grouped' | 'per-role') =>
      servicesOf(layout).map((service) => ({ name: service.name, service }) as unknown as ContainerPlan);
    expect(replaceOrder(plans('grouped')).map((p) => p.service.name)).toEqual([
      'redis',
      'admin',
      'mail',
      'edge',
    ]);
    const perRole = replaceOrder(plans('per-role')).map((p) => p.service.name);
    expect(perRole[0]).toBe('redis');
    expect(perRole[1]).toBe('control');
    expect(perRole.at(-1)).toBe('mx');
  });
});

describe('unattended-upgrades state', () => {
  it('is on only when installed and apt says "1"', () => {
    expect(parseState('installed=1\nAPT::Periodic::Unattended-Upgrade "1";\n')).toEqual({
      installed: true,
      enabled: true,
    });
    expect(parseState('installed=1\nAPT::Periodic::Unattended-Upgrade "0";\n')).toEqual({
      installed: true,
      enabled: false,
    });
    expect(parseState('installed=1\n')).toEqual({ installed: true, enabled: false });
    expect(parseState('installed=0\nAPT::Periodic::Unattended-Upgrade "1";\n')).toEqual({
      installed: false,
      enabled: false,
    });
  });
});

describe('auto-upgrade scheduler', () => {
  it('is due at or after the window time, on that local day', () => {
    expect(dueDay('03:30', new Date(2026, 0, 5, 3, 29))).toBeUndefined();
    expect(dueDay('03:30', new Date(2026, 0, 5, 3, 30))).toBe('2026-01-05');
    expect(dueDay('03:30', new Date(2026, 0, 5, 23, 0))).toBe('2026-01-05');
  });

  it('upgrades an enabled server once a day when a newer version is available', async () => {
    let now = new Date(2026, 0, 5, 4, 0);
    const upgraded: string[] = [];
    const settings: Array<[string, UpgradeSettings]> = [
      ['on', { registry: '', autoUpgrade: { enabled: true, window: '03:30' } }],
      ['off', { registry: '', autoUpgrade: { enabled: false, window: '03:30' } }],
      ['later', { registry: '', autoUpgrade: { enabled: true, window: '05:00' } }],
      ['current', { registry: '', autoUpgrade: { enabled: true, window: '00:00' } }],
    ];
    const outcomes: string[] = [];
    const scheduler = new AutoUpgradeScheduler({
      settings: async () => settings,
      versions: async (id) => ({
        serverId: id,
        deployed: true,
        running: '0.1.0',
        available: id === 'current' ? '0.1.0' : '0.2.0',
        source: 'bundled',
        upgradeAvailable: id !== 'current',
        changes: [],
      }),
      upgrade: async (id) => {
        upgraded.push(id);
        return {
          outcome: 'upgraded',
          from: '0.1.0',
          to: '0.2.0',
          backup: 'done',
          replaced: [],
          seconds: 1,
        } as UpgradeResult;
      },
      onOutcome: (id, o) => outcomes.push(`${id}:${o instanceof Error ? o.message : o.outcome}`),
      intervalMs: 60_000,
      now: () => now,
    });
    await scheduler.tick();
    await scheduler.tick();
    expect(upgraded).toEqual(['on']);
    now = new Date(2026, 0, 5, 5, 1);
    await scheduler.tick();
    expect(upgraded).toEqual(['on', 'later']);
    now = new Date(2026, 0, 6, 4, 0);
    await scheduler.tick();
    expect(upgraded).toEqual(['on', 'later', 'on']);
    expect(outcomes).toEqual(['on:upgraded', 'later:upgraded', 'on:upgraded']);
  });
});
