import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mkdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { rekeyVps, runOnVps } from '../infra/testbed';
import { launchChromium, showsText, startHost, textOf, visible } from '../support/browser';
import { scanFingerprint } from '../support/ssh';

const vps = inject('vps');
let browser: Browser;
let host: Awaited<ReturnType<typeof startHost>>;
let page: Page;

beforeAll(async () => {
  vps.hostKeyFingerprint = scanFingerprint(vps.host, vps.port);
  // Outbound port 25 is probed against a closed port of the test bed, never the internet.
  host = await startHost({ FACTEUR_SMTP_PROBE: '10.231.1.1:1', FACTEUR_SMTP_PROBE_TIMEOUT_S: '2' });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  await page.goto(host.url);
});

afterAll(async () => {
  await browser?.close();
  await host?.stop();
});

async function fillServerForm(
  p: Page,
  opts: { host: string; port: number; key?: string; password?: string },
) {
  await p.getByRole('button', { name: 'Add server' }).click();
  await p.getByLabel('Address', { exact: true }).fill(opts.host);
  await p.getByLabel('SSH port').fill(String(opts.port));
  await p.getByLabel('User').fill('root');
  if (opts.password !== undefined) {
    await p.getByLabel('With a password').check();
    await p.getByLabel('Password', { exact: true }).fill(opts.password);
  } else {
    await p.getByLabel('Private key', { exact: true }).fill(opts.key ?? '');
  }
  await p.getByRole('button', { name: 'Connect' }).click();
}

describe('Servers page in Chromium, against the real VPS', () => {
  it('shows the shell in English with every section, without a server yet', async () => {
    const nav = page.getByRole('navigation', { name: 'Main navigation' });
    for (const name of ['Servers', 'Setup', 'Dashboard', 'Mail', 'DNS', 'Backups', 'Updates', 'Settings']) {
      await visible(nav.getByRole('button', { name }));
    }
    await visible(page.getByText('No server yet'));
    expect(page.url()).not.toContain('token'); // the token leaves the address bar
  });

  it('refuses a wrong key in plain words', async () => {
    const other = execFileSync('bash', [
      '-c',
      'd=$(mktemp -d) && ssh-keygen -q -t ed25519 -N "" -f $d/k && cat $d/k',
    ]).toString();
    await fillServerForm(page, { host: vps.host, port: vps.port, key: other });
    await page.getByRole('button', { name: 'Yes, this is my server' }).click();
    await showsText(page.getByRole('alert'), `${vps.host} did not accept this login for “root”`);
    await page.getByRole('button', { name: 'Cancel' }).click();
  });

  it('says within 10 seconds that an unreachable host cannot be reached', async () => {
    await runOnVps(1, 'iptables -I INPUT -p tcp --dport 2222 -j DROP');
    try {
      const t0 = Date.now();
      await fillServerForm(page, { host: vps.host, port: 2222, key: 'x' });
      await showsText(page.getByRole('alert'), `Facteur could not reach ${vps.host}`, 10_000);
      expect(Date.now() - t0).toBeLessThan(10_000);
    } finally {
      await runOnVps(1, 'iptables -D INPUT -p tcp --dport 2222 -j DROP');
    }
    await page.getByRole('button', { name: 'Cancel' }).click();
  });

  it('adds the VPS with its password, after the owner confirms the fingerprint, and shows its facts', async () => {
    await fillServerForm(page, { host: vps.host, port: vps.port, password: vps.password });
    expect(await textOf(page.getByTestId('fingerprint'))).toBe(vps.hostKeyFingerprint);
    await page.getByRole('button', { name: 'Yes, this is my server' }).click();
    await showsText(page.getByRole('status'), `${vps.host} was added.`, 30_000);
    const card = page.getByRole('article');
    await showsText(card.locator('[data-fact="os"]'), 'Debian');
    expect(await textOf(card.locator('[data-fact="arch"]'))).toBe(
      execFileSync('uname', ['-m']).toString().trim(),
    );
    const docker = (await runOnVps(1, "docker version --format '{{.Server.Version}}'")).trim();
    expect(await textOf(card.locator('[data-fact="docker"]'))).toBe(docker);
    await showsText(card.locator('[data-fact="ram"]'), 'GB');
    await showsText(card, vps.hostKeyFingerprint);
    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/servers.png', fullPage: true });
    expect(readFileSync('test-results/servers.png').length).toBeGreaterThan(10_000);
  });

  it('checks the server on the Setup page, with a fix for what is not green', async () => {
    await page.getByRole('button', { name: 'Setup' }).click();
    await page.getByRole('button', { name: 'Check this server' }).click();
    await showsText(page.getByRole('status'), 'This server is ready for Facteur.', 20_000);
    expect(await page.locator('[data-check="docker"]').getAttribute('data-status')).toBe('ok');
    expect(await page.locator('[data-check="addresses"]').getAttribute('data-status')).toBe('warn');
    await showsText(page.locator('[data-check="addresses"]'), 'Forward ports 25, 80, 443');
    expect(await page.locator('[data-check="smtpOut"]').getAttribute('data-status')).toBe('unknown');
    await page.screenshot({ path: 'test-results/setup-preflight.png', fullPage: true });
    await page.getByRole('button', { name: 'Servers' }).click();
  });

  it('switches to French and to the dark theme', async () => {
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByLabel('Language').selectOption('fr');
    await visible(page.getByRole('heading', { name: 'Réglages' }));
    await page.getByLabel('Sombre').check();
    expect(await page.evaluate('document.documentElement.dataset.theme')).toBe('dark');
    expect(await page.evaluate('getComputedStyle(document.body).backgroundColor')).toBe('rgb(20, 23, 27)');
    expect(await page.evaluate('document.documentElement.lang')).toBe('fr');
    await page.getByRole('button', { name: 'Installation' }).click();
    await page.getByRole('button', { name: 'Vérifier ce serveur' }).click();
    await showsText(page.getByRole('status'), 'Ce serveur est prêt pour Facteur.', 20_000);
    await showsText(page.locator('[data-check="addresses"]'), 'Redirigez les ports');
    await showsText(page.locator('[data-check="disk"]'), 'libres : de la place');
    await page.screenshot({ path: 'test-results/setup-fr-dark.png', fullPage: true });
    await page.getByRole('button', { name: 'Serveurs' }).click();
    await page.getByRole('button', { name: 'Réglages' }).click();
    await page.getByLabel('Langue').selectOption('en');
    await page.getByLabel('Light').check();
    expect(await page.evaluate('getComputedStyle(document.body).backgroundColor')).toBe('rgb(246, 247, 249)');
    await page.getByRole('button', { name: 'Servers' }).click();
  });

  it('refuses the server once its host key changed, naming both fingerprints', async () => {
    const rekeyed = await rekeyVps(1);
    await page.getByRole('button', { name: 'Check again' }).click();
    const alert = page.getByRole('alert');
    await showsText(alert, `The identity of ${vps.host} has changed`);
    await showsText(alert, vps.hostKeyFingerprint);
    await showsText(alert, rekeyed.hostKeyFingerprint);
  });
});
