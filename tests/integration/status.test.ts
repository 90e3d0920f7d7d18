/**
 * Status checks and desktop alerts on VPS 9 with a real stack, through the app's own handlers:
 * every check answers from the real server (compared with what the server itself says), a stopped
 * role turns the checks red and the health monitor raises exactly one alert, and one more when it
 * is back. Blocklists are asked of a real Knot DNS serving test lists (listed, refusing, clean);
 * a public resolver is answered "unknown" without asking. The alerts are counted as the `alert`
 * events the Electron front-end turns into notifications (Electron cannot run here).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createApp, type App } from '../../src/main/app';
import { loadConfig } from '../../src/main/config';
import { createDispatcher, directCaller } from '../../src/main/ipc/dispatcher';
import { writeDeployment } from '../../src/main/services/deploy/deployment-record';
import { FileKeyProvider } from '../../src/main/services/vault/file-key-provider';
import { Vault } from '../../src/main/services/vault/vault';
import type { Alert, StatusReport } from '../../src/shared/status';
import { execOnVps, runOnVps, startVps, stopVps, type VpsInfo } from '../infra/testbed';
import { freshFacteur } from '../support/facteur';
import { baseZone, startKnot, type Knot } from '../support/knot';
import { cleanStack, connectVps, deployerFor, ensureServerImage } from '../support/server-stack';
import { scanFingerprint } from '../support/ssh';
import { waitFor as waitUntil } from '../support/wait';
import { statusCheckIds } from '../../src/shared/status';

const N = 9;
const DOMAIN = 'facteur9.test';
const MAIL_HOST = `mail.${DOMAIN}`;
const CONTROL_PORT = 8025;
const DNS_ADDRESS = '127.0.0.69';
const DNS_PORT = 5369;
const REVERSED = `2.${N}.231.10`;

let vps: VpsInfo;
let knot: Knot;
let home: string;
let serverId: string;

const baseEnv = () => ({
  FACTEUR_SSH_READY_MS: '15000',
  FACTEUR_SSH_COMMAND_MS: '30000',
  FACTEUR_DNS_SERVERS: `${DNS_ADDRESS}:${DNS_PORT}`,
  FACTEUR_DNS_AUTH_PORT: String(DNS_PORT),
  FACTEUR_DNS_TIMEOUT_MS: '1000',
  FACTEUR_BLOCKLIST_RESOLVERS: `${DNS_ADDRESS}:${DNS_PORT}`,
  FACTEUR_STATUS_PORT_TIMEOUT_MS: '2000',
  FACTEUR_STATUS_UPDATES_TIMEOUT_MS: '90000',
  FACTEUR_HEALTH_MONITOR: 'off',
});

/** The app on the same data directory with other settings (a new start of Facteur). */
function appWith(env: Record<string, string>): { app: App; call: ReturnType<typeof directCaller> } {
  const app = createApp({
    config: loadConfig({ FACTEUR_HOME: home, ...env }),
    runtime: 'cli',
    version: 'test',
  });
  return { app, call: directCaller(createDispatcher(app.handlers)) };
}

const byId = (report: StatusReport, id: string) => {
  const c = report.checks.find((x) => x.id === id);
  if (!c) throw new Error(`no check ${id} in ${report.checks.map((x) => x.id).join(', ')}`);
  return c;
};

const waitFor = <T>(what: string, fn: () => Promise<T | undefined>, ms = 90_000) =>
  waitUntil(what, fn, ms, 1000);

beforeAll(async () => {
  const archive = await ensureServerImage();
  vps = await startVps(N);
  await cleanStack(N);
  knot = await startKnot({
    address: DNS_ADDRESS,
    port: DNS_PORT,
    zones: {
      [DOMAIN]: baseZone(DOMAIN, DNS_ADDRESS),
      [`${N}.231.10.in-addr.arpa`]: baseZone(
        `${N}.231.10.in-addr.arpa`,
        DNS_ADDRESS,
        `2 PTR ${MAIL_HOST}.\n`,
      ),
      // Test blocklists: one lists the VPS (127.0.0.2, "spam source"), one refuses to answer
      // (127.255.255.254, what Spamhaus tells public resolvers), one lists nobody.
      'listing.test': baseZone('listing.test', DNS_ADDRESS, `${REVERSED} A 127.0.0.2\n`),
      'refusing.test': baseZone('refusing.test', DNS_ADDRESS, `* A 127.255.255.254\n`),
      'clean.test': baseZone('clean.test', DNS_ADDRESS),
    },
    updatable: [DOMAIN],
  });
  const conn = await connectVps(vps);
  let deployed;
  try {
    deployed = await deployerFor(conn, archive, {
      issueControlToken: true,
      serverConfig: { hostname: MAIL_HOST },
    }).deploy();
  } finally {
    conn.close();
  }
  const first = freshFacteur(baseEnv());
  home = first.home;
  const profile = await first.call('addServer', {
    host: vps.host,
    port: vps.port,
    user: vps.user,
    name: 'VPS nine',
    auth: { kind: 'privateKey', privateKey: readFileSync(vps.clientKeyPath, 'utf8') },
    confirmedFingerprint: scanFingerprint(vps.host, vps.port),
  });
  serverId = profile.id;
  await expect(first.call('runStatusChecks', { serverId })).rejects.toMatchObject({ code: 'NOT_DEPLOYED' });
  // What the deploy step records (the deploy service writes it in the real flow).
  const vault = new Vault(join(home, 'vault.json'), new FileKeyProvider(join(home, 'vault.key')));
  await writeDeployment(vault, serverId, {
    version: archive.manifest.version,
    imageId: archive.manifest.imageId,
    hostname: MAIL_HOST,
    domain: DOMAIN,
    controlPort: CONTROL_PORT,
    controlToken: deployed.controlToken!,
    deployedAt: new Date().toISOString(),
  });
  // The domain's records published the way the DNS page does it.
  const { call } = appWith(baseEnv());
  await call('dnsApply', {
    plan: { serverId, domain: DOMAIN },
    provider: {
      kind: 'rfc2136',
      server: DNS_ADDRESS,
      port: DNS_PORT,
      keyName: knot.key.name,
      secret: knot.key.secret,
    },
  });
}, 600_000);

afterAll(async () => {
  await runOnVps(N, 'docker start facteur-mail >/dev/null 2>&1 || true').catch(() => undefined);
  await cleanStack(N).catch(() => undefined);
  await knot?.stop();
  await stopVps(N);
});

describe('status checks on a deployed server (VPS 9, real stack, Knot DNS)', () => {
  it('runs every check with real answers, each agreeing with what the server itself says', async () => {
    const { call } = appWith({ ...baseEnv(), FACTEUR_BLOCKLISTS: 'clean.test' });
    const t0 = Date.now();
    const report = await call('runStatusChecks', { serverId });
    const seconds = (Date.now() - t0) / 1000;
    console.log(`status checks: ${report.checks.length} checks in ${seconds.toFixed(1)} s`);
    expect(report.serverId).toBe(serverId);
    expect(report.checks.map((c) => c.id).sort()).toEqual([...statusCheckIds].sort());
    for (const c of report.checks) {
      expect(c.message.length, c.id).toBeGreaterThan(10);
      if (c.status !== 'ok' && c.reason !== 'noIpv6' && c.id !== 'certificate')
        expect(c.fix, c.id).toBeTruthy();
    }
    const show = (id: string) => `${id}: ${JSON.stringify(byId(report, id))}`;
    expect(byId(report, 'portsIpv4'), show('portsIpv4')).toMatchObject({
      status: 'ok',
      value: '9 of 9 open',
    });
    expect(byId(report, 'portsIpv6')).toMatchObject({ status: 'unknown', reason: 'noIpv6' });
    expect(byId(report, 'roles'), show('roles')).toMatchObject({ status: 'ok', reason: 'ok' });
    expect(byId(report, 'dns'), show('dns')).toMatchObject({ status: 'ok' });
    expect(byId(report, 'ptr'), show('ptr')).toMatchObject({ status: 'ok', value: MAIL_HOST });
    expect(byId(report, 'blocklists'), show('blocklists')).toMatchObject({ status: 'ok', value: '0 of 1' });
    expect(byId(report, 'backups')).toMatchObject({ status: 'warn', reason: 'off' });
    expect(byId(report, 'docker')).toMatchObject({ status: 'ok' });
    expect(byId(report, 'containers'), show('containers')).toMatchObject({ status: 'ok' });
    expect(byId(report, 'containers').value).toMatch(/^4 of 4 running, 0 restarts$/);
    // No CA here: the server's own placeholder certificate.
    expect(byId(report, 'certificate'), show('certificate')).toMatchObject({
      status: 'warn',
      reason: 'selfSigned',
    });

    // Disk, memory, updates, firewall and SSH, against the server's own tools.
    const df = (await runOnVps(N, "df -P -B1 /var/lib/facteur | awk 'NR==2{print $2, $4}'"))
      .trim()
      .split(' ');
    const diskPercent = Math.round(((Number(df[0]) - Number(df[1])) / Number(df[0])) * 100);
    expect(Math.abs(Number(byId(report, 'disk').params.percent) - diskPercent)).toBeLessThanOrEqual(1);
    const mem = (
      await runOnVps(N, "awk '/^MemTotal:/{t=$2} /^MemAvailable:/{a=$2} END{print t, a}' /proc/meminfo")
    )
      .trim()
      .split(' ')
      .map(Number);
    const memPercent = Math.round(((mem[0]! - mem[1]!) / mem[0]!) * 100);
    expect(Math.abs(Number(byId(report, 'memory').params.percent) - memPercent)).toBeLessThanOrEqual(2);
    const pending = (
      await execOnVps(N, "LANG=C apt-get -s upgrade 2>/dev/null | grep -c '^Inst '")
    ).stdout.trim();
    expect(byId(report, 'updates').value.split(' ')[0]).toBe(pending);
    const ufw = (await execOnVps(N, 'LANG=C ufw status')).stdout;
    expect(byId(report, 'firewall'), show('firewall')).toMatchObject(
      /Status: active/.test(ufw)
        ? { status: 'fail', reason: 'portsBlocked' }
        : { status: 'fail', reason: 'inactive' },
    );
    const sshd = await runOnVps(N, "sshd -T | grep -i '^passwordauthentication'");
    expect(byId(report, 'sshPasswordLogin')).toMatchObject(
      /yes/.test(sshd) ? { status: 'warn', reason: 'enabled' } : { status: 'ok' },
    );
  });

  it('says "listed" for a list naming the address, "unknown" for a list that refuses, never a false listing', async () => {
    const { call } = appWith({ ...baseEnv(), FACTEUR_BLOCKLISTS: 'clean.test,listing.test,refusing.test' });
    const listed = byId(await call('runStatusChecks', { serverId }), 'blocklists');
    expect(listed).toMatchObject({ status: 'fail', reason: 'listed', value: 'listing.test' });
    expect(listed.message).toContain(vps.host);

    const refused = byId(
      await appWith({ ...baseEnv(), FACTEUR_BLOCKLISTS: 'clean.test,refusing.test' }).call(
        'runStatusChecks',
        {
          serverId,
        },
      ),
      'blocklists',
    );
    expect(refused).toMatchObject({ status: 'unknown', reason: 'noAnswer', value: '1 of 2 clear' });
    expect(refused.message).toContain('127.255.255.254');
  });

  it('says "unknown" with a public resolver, which blocklists refuse (no question sent)', async () => {
    const { call } = appWith({
      ...baseEnv(),
      FACTEUR_BLOCKLISTS: 'listing.test',
      FACTEUR_BLOCKLIST_RESOLVERS: '8.8.8.8',
    });
    const c = byId(await call('runStatusChecks', { serverId }), 'blocklists');
    expect(c).toMatchObject({ status: 'unknown', reason: 'publicResolver', params: { resolver: '8.8.8.8' } });
    expect(c.fix).toMatch(/provider’s resolver/);
  });

  it('a stopped role: checks red and exactly one "down" alert; started again: green and exactly one "recovered"', async () => {
    const { app, call } = appWith({ ...baseEnv(), FACTEUR_BLOCKLISTS: 'listing.test' });
    const alerts: Alert[] = [];
    app.events.subscribe((event, payload) => {
      if (event === 'alert') alerts.push(payload as Alert);
    });
    const kinds = (kind: string) => alerts.filter((a) => a.kind === kind);

    // First look: everything up, so no role alert; the address is listed, so that alerts once.
    await app.monitor.pollOnce();
    await app.monitor.pollOnce();
    expect(kinds('roleDown')).toHaveLength(0);
    expect(kinds('blocklisted')).toHaveLength(1);
    expect(kinds('blocklisted')[0]!.body).toContain('listing.test');

    await runOnVps(N, 'docker stop facteur-mail >/dev/null');
    await waitFor('a roleDown alert', async () => {
      await app.monitor.pollOnce();
      return kinds('roleDown').length ? true : undefined;
    });
    for (let i = 0; i < 3; i++) await app.monitor.pollOnce();
    expect(kinds('roleDown')).toHaveLength(1);
    const down = kinds('roleDown')[0]!;
    expect(down).toMatchObject({ serverId, serverName: 'VPS nine', severity: 'problem' });
    expect(String(down.params.roles)).toMatch(/imap/);
    expect(down.title).toBe('VPS nine: mail service down');

    const red = await call('runStatusChecks', { serverId });
    expect(byId(red, 'roles')).toMatchObject({ status: 'fail', reason: 'down' });
    expect(String(byId(red, 'roles').params.roles)).toMatch(/imap/);
    expect(byId(red, 'containers')).toMatchObject({ status: 'fail', reason: 'stopped' });
    expect(byId(red, 'portsIpv4')).toMatchObject({ status: 'fail', reason: 'closed' });
    expect(String(byId(red, 'portsIpv4').params.ports)).toContain('993');

    await runOnVps(N, 'docker start facteur-mail >/dev/null');
    await waitFor('a roleRecovered alert', async () => {
      await app.monitor.pollOnce();
      return kinds('roleRecovered').length ? true : undefined;
    });
    for (let i = 0; i < 3; i++) await app.monitor.pollOnce();
    expect(kinds('roleRecovered')).toHaveLength(1);
    expect(kinds('roleDown')).toHaveLength(1);
    expect(kinds('blocklisted')).toHaveLength(1);
    expect(await call('listAlerts', {})).toHaveLength(alerts.length);

    const green = await waitFor('the roles check green', async () => {
      const r = await call('runStatusChecks', { serverId });
      return byId(r, 'roles').status === 'ok' && byId(r, 'portsIpv4').status === 'ok' ? r : undefined;
    });
    expect(byId(green, 'containers').status).toBe('ok');
  });

  it('sets where the server itself emails its alerts, and refuses what is not an address', async () => {
    const { call } = appWith(baseEnv());
    expect(await call('alertEmails', { serverId })).toEqual({ to: [] });
    expect(
      await call('setAlertEmails', { serverId, to: ['Owner@Status.test', 'backup@example.org'] }),
    ).toEqual({
      to: ['owner@status.test', 'backup@example.org'],
    });
    expect(await call('alertEmails', { serverId })).toEqual({
      to: ['owner@status.test', 'backup@example.org'],
    });
    await expect(call('setAlertEmails', { serverId, to: ['not an address'] })).rejects.toMatchObject({
      code: 'VALIDATION',
    });
    expect(await call('setAlertEmails', { serverId, to: [] })).toEqual({ to: [] });
  });
});
