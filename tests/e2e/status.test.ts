/**
 * The Status page in Chromium, through the browser host, against a real stack on VPS 9: every
 * check shown, the services check turning red when a role container is stopped (with the alert
 * the health monitor raised) and green again once it is started, with its "back" alert.
 * Blocklists and DNS are asked of a local Knot DNS only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { writeDeployment } from '../../src/main/services/deploy/deployment-record';
import { FileKeyProvider } from '../../src/main/services/vault/file-key-provider';
import { Vault } from '../../src/main/services/vault/vault';
import { runOnVps, startVps, stopVps, type VpsInfo } from '../infra/testbed';
import { launchChromium, showsText, startHost, visible } from '../support/browser';
import { freshFacteur } from '../support/facteur';
import { baseZone, startKnot, type Knot } from '../support/knot';
import { cleanStack, connectVps, deployerFor, ensureServerImage } from '../support/server-stack';
import { scanFingerprint } from '../support/ssh';

const N = 9;
const DOMAIN = 'facteur9.test';
const DNS_ADDRESS = '127.0.0.69';
const DNS_PORT = 5369;

let vps: VpsInfo;
let knot: Knot;
let browser: Browser;
let host: Awaited<ReturnType<typeof startHost>>;
let page: Page;

beforeAll(async () => {
  const archive = await ensureServerImage();
  vps = await startVps(N);
  await cleanStack(N);
  knot = await startKnot({
    address: DNS_ADDRESS,
    port: DNS_PORT,
    zones: { [DOMAIN]: baseZone(DOMAIN, DNS_ADDRESS), 'clean.test': baseZone('clean.test', DNS_ADDRESS) },
    updatable: [],
  });
  const conn = await connectVps(vps);
  let token: string;
  try {
    const deployed = await deployerFor(conn, archive, {
      issueControlToken: true,
      serverConfig: { hostname: `mail.${DOMAIN}` },
    }).deploy();
    token = deployed.controlToken!;
  } finally {
    conn.close();
  }
  // Facteur knows the server and its deployment (as after the setup journey).
  const f = freshFacteur();
  const profile = await f.call('addServer', {
    host: vps.host,
    port: vps.port,
    user: vps.user,
    name: 'VPS nine',
    auth: { kind: 'privateKey', privateKey: readFileSync(vps.clientKeyPath, 'utf8') },
    confirmedFingerprint: scanFingerprint(vps.host, vps.port),
  });
  const vault = new Vault(join(f.home, 'vault.json'), new FileKeyProvider(join(f.home, 'vault.key')));
  await writeDeployment(vault, profile.id, {
    version: archive.manifest.version,
    imageId: archive.manifest.imageId,
    hostname: `mail.${DOMAIN}`,
    domain: DOMAIN,
    controlPort: 8025,
    controlToken: token,
    deployedAt: new Date().toISOString(),
  });
  host = await startHost({
    FACTEUR_HOME: f.home,
    FACTEUR_SSH_READY_MS: '15000',
    FACTEUR_DNS_SERVERS: `${DNS_ADDRESS}:${DNS_PORT}`,
    FACTEUR_DNS_AUTH_PORT: String(DNS_PORT),
    FACTEUR_DNS_TIMEOUT_MS: '1000',
    FACTEUR_BLOCKLISTS: 'clean.test',
    FACTEUR_BLOCKLIST_RESOLVERS: `${DNS_ADDRESS}:${DNS_PORT}`,
    FACTEUR_STATUS_PORT_TIMEOUT_MS: '2000',
    FACTEUR_STATUS_UPDATES_TIMEOUT_MS: '90000',
    FACTEUR_HEALTH_POLL_MS: '1500',
  });
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1300, height: 1500 } })).newPage();
  await page.goto(host.url);
  mkdirSync('docs/screenshots', { recursive: true });
}, 600_000);

afterAll(async () => {
  await runOnVps(N, 'docker start facteur-mail >/dev/null 2>&1 || true').catch(() => undefined);
  await browser?.close();
  await host?.stop();
  await knot?.stop();
  await cleanStack(N).catch(() => undefined);
  await stopVps(N);
});

const check = (id: string) => page.locator(`li[data-check="${id}"]`);

async function checkAgainUntil(id: string, status: string): Promise<void> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    await page.getByRole('button', { name: 'Check again' }).click();
    await visible(page.getByRole('button', { name: 'Check again' }), 90_000);
    if ((await check(id).getAttribute('data-status')) === status) return;
    if (Date.now() > deadline) throw new Error(`the ${id} check never became ${status}`);
  }
}

describe('Status page in Chromium (VPS 9, real stack)', () => {
  it('lists every check, turns red when a role is stopped and green again, with one alert each way', async () => {
    await page
      .getByRole('navigation', { name: 'Main navigation' })
      .getByRole('button', { name: 'Status' })
      .click();
    await visible(page.getByRole('heading', { name: 'Status', level: 1 }));
    await visible(page.getByRole('list', { name: 'Status checks' }), 90_000);
    expect(await page.locator('li[data-check]').count()).toBe(15);
    expect(await check('roles').getAttribute('data-status')).toBe('ok');
    await showsText(check('backups'), 'Backups are off');
    await showsText(check('portsIpv6'), 'no public IPv6 address');
    await visible(page.getByText('No alert since Facteur started.', { exact: false }));

    await runOnVps(N, 'docker stop facteur-mail >/dev/null');
    await checkAgainUntil('roles', 'fail');
    await showsText(check('roles'), 'Not running:');
    await showsText(check('roles'), 'imap');
    expect(await check('containers').getAttribute('data-status')).toBe('fail');
    await showsText(check('portsIpv4'), '993');
    const alerts = page.getByRole('list', { name: 'Alerts' });
    await showsText(alerts, 'VPS nine: mail service down', 30_000);
    await page.screenshot({ path: 'docs/screenshots/status.png', fullPage: true });

    await runOnVps(N, 'docker start facteur-mail >/dev/null');
    await checkAgainUntil('roles', 'ok');
    await showsText(check('roles'), 'Every service answers');
    await showsText(alerts, 'VPS nine: mail service back', 30_000);
    expect(await alerts.locator('li[data-alert="roleDown"]').count()).toBe(1);
    expect(await alerts.locator('li[data-alert="roleRecovered"]').count()).toBe(1);
    await page.screenshot({ path: 'docs/screenshots/status-recovered.png', fullPage: true });

    // The same page in French.
    await page
      .getByRole('navigation', { name: 'Main navigation' })
      .getByRole('button', { name: 'Settings' })
      .click();
    await page.getByLabel('Language').selectOption('fr');
    await page
      .getByRole('navigation', { name: 'Navigation principale' })
      .getByRole('button', { name: 'État' })
      .click();
    await showsText(check('backups'), 'Les sauvegardes sont désactivées');
    await showsText(page.getByRole('list', { name: 'Alertes' }), 'VPS nine : service de courrier rétabli');
  });
});
