/**
 * The whole setup journey in Chromium, through the browser host, on a bare test-bed VPS (6: sshd and
 * no Docker): add the server -> preflight -> Docker installed by Facteur -> deploy (progress followed) -> DNS records pushed to a real Knot DNS ->
 * certificate from pebble (HTTP-01 against the deployed server) -> first mailbox -> a real client
 * (swaks) sends with the password the page showed, and another (imapflow, verifying the issued
 * certificate) reads the message. Each step is photographed into docs/screenshots/journey-*.png.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { ImapFlow } from 'imapflow';
import type { Browser, Locator, Page } from 'playwright-core';
import { startVps, stopVps, type VpsInfo } from '../infra/testbed';
import { launchChromium, showsText, startHost, textOf, visible } from '../support/browser';
import { baseZone, startKnot, type Knot } from '../support/knot';
import { startPebbleForVps, type VpsPebble } from '../support/pebble-vps';
import { ensureServerImage } from '../support/server-stack';

const N = 6;
const DOMAIN = 'journey.test';
const MAIL_HOST = `mail.${DOMAIN}`;
const ADDRESS = `you@${DOMAIN}`;
const DNS = { address: '127.0.0.57', port: 5357 };
const SHOTS = 'docs/screenshots';

let vps: VpsInfo;
let knot: Knot;
let pebble: VpsPebble;
let browser: Browser;
let host: Awaited<ReturnType<typeof startHost>>;
let page: Page;
let password = '';

beforeAll(async () => {
  // A bare server: no Docker, no image, no data, no key of ours.
  await stopVps(N, { purge: true });
  vps = await startVps(N, { bare: true });
  await ensureServerImage();
  knot = await startKnot({
    address: DNS.address,
    port: DNS.port,
    zones: { [DOMAIN]: baseZone(DOMAIN, DNS.address) },
    updatable: [DOMAIN],
  });
  pebble = await startPebbleForVps({
    address: vps.hostSideAddress,
    dnsServer: `${DNS.address}:${DNS.port}`,
  });
  host = await startHost({
    FACTEUR_SMTP_PROBE: `${vps.hostSideAddress}:1`, // outbound port 25 is probed against a closed port
    FACTEUR_SMTP_PROBE_TIMEOUT_S: '2',
    FACTEUR_DNS_SERVERS: `${DNS.address}:${DNS.port}`,
    FACTEUR_DNS_AUTH_PORT: String(DNS.port),
    FACTEUR_DNS_TTL: '300',
    FACTEUR_DNS_TIMEOUT_MS: '1000',
    FACTEUR_ACME_DIRECTORY_URL: pebble.directoryUrl,
    FACTEUR_ACME_CA_FILE: pebble.apiCaFile,
    FACTEUR_SERVER_CONFIG: JSON.stringify({
      acme: { requestPollMs: 500, pollMinMs: 200, pollMaxMs: 1000 },
      tls: { watchIntervalMs: 1000 }, // roles re-read the certificate every 60 s by default
    }),
  });
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(host.url).origin });
  page = await context.newPage();
  await page.goto(host.url);
  mkdirSync(SHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await host?.stop();
  await pebble?.stop();
  await knot?.stop();
  await stopVps(N);
});

// A failed step leaves a picture of the page and what the deploy showed, for whoever reads the log.
afterEach(async (ctx) => {
  if (ctx.task.result?.state !== 'fail' || !page) return;
  mkdirSync('test-results', { recursive: true });
  await page.screenshot({
    path: `test-results/journey-failed-${ctx.task.name.slice(0, 20)}.png`,
    fullPage: true,
  });
  const seen: unknown = await page.evaluate('window.journeySeen').catch(() => undefined);
  process.stderr.write(`[journey] failed at "${ctx.task.name}"; deploy seen: ${JSON.stringify(seen)}\n`);
});

const nav = (name: string) =>
  page.getByRole('navigation', { name: 'Main navigation' }).getByRole('button', { name }).click();
const step = (id: string): Locator => page.locator(`[data-step="${id}"]`);

async function shot(name: string, target?: Locator): Promise<void> {
  const path = `${SHOTS}/${name}.png`;
  if (target) await target.screenshot({ path });
  else await page.screenshot({ path, fullPage: true });
  expect(statSync(path).size).toBeGreaterThan(10_000);
}

describe('the setup journey, from a bare VPS to a mailbox a real client uses', () => {
  it('adds the server after the owner confirms its fingerprint', async () => {
    await page.getByRole('button', { name: 'Add server' }).click();
    await page.getByLabel('Name (optional)').fill('My mail server');
    await page.getByLabel('Address', { exact: true }).fill(vps.host);
    await page.getByLabel('SSH port').fill(String(vps.port));
    await page.getByLabel('User').fill('root');
    await page.getByLabel('With a password').check();
    await page.getByLabel('Password', { exact: true }).fill(vps.password);
    await page.getByRole('button', { name: 'Connect' }).click();
    expect(await textOf(page.getByTestId('fingerprint'))).toBe(vps.hostKeyFingerprint);
    await shot('journey-1-server');
    await page.getByRole('button', { name: 'Yes, this is my server' }).click();
    await showsText(page.getByRole('status'), 'My mail server was added.', 30_000);
  });

  it('checks the server, then installs Docker on it (a bare server: sshd and nothing else)', async () => {
    await nav('Setup');
    await visible(step('deploy').getByText('Available once the server has been checked'));
    await page.getByRole('button', { name: 'Check this server' }).click();
    await showsText(step('check'), '1 problem must be fixed', 30_000);
    expect(await page.locator('[data-check="docker"]').getAttribute('data-status')).toBe('fail');
    await showsText(step('privileges'), 'Facteur logs in as root');
    await step('docker').getByRole('button', { name: 'Install Docker' }).click();
    await visible(step('docker').getByRole('progressbar'), 30_000);
    await shot('journey-2-preflight');
    // Debian's docker.io through apt (the bare VPS reaches the mirror through the bed's proxy), then
    // started; the page checks the server again by itself once Docker answers.
    await showsText(step('check').getByRole('status'), 'This server is ready for Facteur.', 420_000);
    expect(await page.locator('[data-check="docker"]').getAttribute('data-status')).toBe('ok');
    await showsText(step('docker'), 'installed');
  }, 600_000);

  it('deploys the mail server, following each step and the upload', async () => {
    const deploy = step('deploy');
    await deploy.getByLabel('Your domain').fill(DOMAIN);
    expect(await deploy.getByLabel('Mail server name').getAttribute('placeholder')).toBe(MAIL_HOST);
    // Everything the page shows while the deploy runs, recorded in the page itself.
    await page.evaluate(`(() => {
      const seen = (window.journeySeen = { current: [], upload: [] });
      new MutationObserver(() => {
        const current = document.querySelector('[data-deploy-step][data-state="current"]');
        if (current && seen.current.at(-1) !== current.dataset.deployStep) seen.current.push(current.dataset.deployStep);
        const bar = document.querySelector('[data-testid="image-progress"]');
        if (bar) seen.upload.push({
          percent: Number(bar.querySelector('[role="progressbar"]').getAttribute('aria-valuenow')),
          text: bar.textContent,
        });
      }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    })()`);
    const t0 = Date.now();
    await deploy.getByRole('button', { name: 'Install Facteur on this server' }).click();
    await visible(deploy.getByRole('list', { name: 'Installation steps' }));
    try {
      await visible(deploy.getByTestId('image-progress'), 60_000);
      await shot('journey-3-deploy-progress', deploy);
    } catch {
      // The upload ended between two looks: the recorder below still says what was shown.
    }
    await showsText(deploy.getByRole('status'), 'Your mail server is running.', 240_000);
    const seconds = (Date.now() - t0) / 1000;
    const seen = (await page.evaluate('window.journeySeen')) as {
      current: string[];
      upload: { percent: number; text: string }[];
    };
    expect(seen.current).toEqual(expect.arrayContaining(['connect', 'image', 'health']));
    expect(seen.upload.length).toBeGreaterThan(0);
    expect(seen.upload.at(-1)!.text).toMatch(/MB of \d+(\.\d)? MB/);
    expect(Math.max(...seen.upload.map((u) => u.percent))).toBeGreaterThan(0);
    for (const li of await deploy.locator('[data-deploy-step]').all())
      expect(await li.getAttribute('data-state')).toBe('done');
    const result = deploy.getByTestId('deploy-result');
    await showsText(result, 'already on the server');
    await showsText(result, 'edge (new)');
    process.stderr.write(`[journey] deploy took ${seconds.toFixed(1)} s; ${JSON.stringify(seen.current)}\n`);
    await shot('journey-4-deployed', deploy);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      deploy.getByRole('button', { name: 'Export docker-compose.yml' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('docker-compose.yml');
    expect(readFileSync((await download.path())!, 'utf8')).toMatch(/^services:/m);
  }, 300_000);

  it('publishes the DNS records on the authoritative server, filled from the deployed server', async () => {
    await showsText(step('dns'), 'The internet finds your mail server');
    await step('dns')
      .getByRole('button', { name: `Set up the DNS records of ${DOMAIN}` })
      .click();
    await visible(page.getByRole('heading', { name: 'DNS', exact: true }));
    expect(await page.getByLabel('Domain', { exact: true }).inputValue()).toBe(DOMAIN);
    await page.getByRole('button', { name: 'Show the records' }).click();
    await visible(page.getByRole('heading', { name: `Records for ${DOMAIN}` }));
    await showsText(page.locator('tr[data-record="mx"]'), `10 ${MAIL_HOST}.`);
    await showsText(page.locator('tr[data-record="mailA"]'), vps.host);
    expect(await page.locator('tr[data-record^="dkim:"]').count()).toBeGreaterThan(0);

    await page.getByLabel('DNS server').fill(DNS.address);
    await page.getByLabel('Port', { exact: true }).fill(String(DNS.port));
    await page.getByLabel('Key name').fill(knot.key.name);
    await page.getByLabel('Secret (base64)').fill(knot.key.secret);
    await page.getByRole('button', { name: 'Apply the records' }).click();
    await showsText(page.getByTestId('dns-summary'), 'records are published correctly', 30_000);
    for (const row of await page.locator('tr[data-record]').all())
      expect(await row.getAttribute('data-status')).toBe('ok');
    await page.getByTestId('dns-summary').evaluate((e) => e.scrollIntoView());
    await shot('journey-5-dns');
  });

  it('gets a certificate from the ACME CA (pebble) for the mail server', async () => {
    await nav('Setup');
    const cert = step('certificate');
    await showsText(cert.getByTestId('certificate-state'), 'temporary certificate', 30_000);
    await cert.getByRole('button', { name: 'Request certificate' }).click();
    const state = cert.getByTestId('certificate-state');
    const failure = cert.getByText('The certificate could not be obtained');
    await Promise.race([
      showsText(state, 'Your server has a real certificate', 120_000),
      failure.waitFor({ timeout: 120_000 }).then(async () => {
        throw new Error(await failure.innerText());
      }),
    ]);
    await showsText(cert, MAIL_HOST);
    await shot('journey-6-certificate', cert);
  }, 180_000);

  it('creates the first mailbox and shows its password once, with the client settings', async () => {
    const box = step('mailbox');
    expect(await box.getByLabel('Address').inputValue()).toBe(ADDRESS);
    await box.getByRole('button', { name: 'Create the mailbox' }).click();
    await showsText(box.getByRole('status'), `${ADDRESS} is ready.`, 30_000);
    await showsText(box, 'Facteur shows it only this once');
    password = await textOf(box.getByTestId('mailbox-password'));
    expect(password.length).toBeGreaterThanOrEqual(12);
    await box.getByRole('button', { name: 'Copy the password' }).click();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(password);
    const settings = box.getByTestId('client-settings');
    await showsText(settings.locator('[data-endpoint="imap-993"]'), MAIL_HOST);
    await showsText(settings.locator('[data-endpoint="imap-993"]'), 'SSL/TLS');
    await showsText(settings, ADDRESS);
    await shot('journey-7-mailbox', box);
  });

  it('a real mail client sends and reads a message with that password', async () => {
    const subject = `Hello from the journey ${Date.now()}`;
    execFileSync(
      'swaks',
      [
        '--silent',
        '2',
        '--server',
        vps.host,
        '--port',
        '465',
        '--tls-on-connect',
        '--auth',
        'PLAIN',
        '--auth-user',
        ADDRESS,
        '--auth-password',
        password,
        '--from',
        ADDRESS,
        '--to',
        ADDRESS,
        '--header',
        `Subject: ${subject}`,
        '--body',
        'Sent by swaks, read by imapflow.',
      ],
      { timeout: 30_000 },
    );

    // The IMAP server must present the certificate pebble issued for the mail host.
    const ca = [await pebble.rootPem()];
    // The roles pick a new certificate up within seconds: until then the placeholder is refused.
    const connect = async (): Promise<ImapFlow> => {
      for (let i = 0; ; i++) {
        const c = new ImapFlow({
          host: vps.host,
          port: 993,
          secure: true,
          tls: { ca, servername: MAIL_HOST },
          auth: { user: ADDRESS, pass: password },
          logger: false,
        });
        try {
          await c.connect();
          return c;
        } catch (err) {
          if (i >= 30 || !/self-signed/.test((err as Error).message)) throw err;
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    };
    const client = await connect();
    try {
      let found: string | undefined;
      for (let i = 0; i < 40 && !found; i++) {
        const lock = await client.getMailboxLock('INBOX');
        try {
          const uids = (await client.search({ subject }, { uid: true })) || [];
          if (uids.length) {
            const msg = await client.fetchOne(String(uids[0]), { source: true }, { uid: true });
            found = msg ? msg.source?.toString() : undefined;
          }
        } finally {
          lock.release();
        }
        if (!found) await new Promise((r) => setTimeout(r, 500));
      }
      expect(found).toContain(subject);
      expect(found).toContain('Sent by swaks, read by imapflow.');
    } finally {
      await client.logout();
    }
  });
});
