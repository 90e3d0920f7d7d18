/**
 * The DNS page in Chromium, through the browser host, against a real Knot DNS on 127.0.0.55:5355:
 * records with copy buttons and a zone file, "Check now", "Apply via dynamic update", a corrupted
 * record named precisely, and the page in French.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, showsText, startHost, visible } from '../support/browser';
import { baseZone, startKnot, type Knot } from '../support/knot';

const ADDRESS = '127.0.0.55';
const PORT = 5355;
const dkimValue = `v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA${'r8Wm2Kp4'.repeat(40)}IDAQAB`;
let knot: Knot;
let browser: Browser;
let host: Awaited<ReturnType<typeof startHost>>;
let page: Page;

beforeAll(async () => {
  knot = await startKnot({
    address: ADDRESS,
    port: PORT,
    zones: {
      'one.test': baseZone('one.test', ADDRESS),
      '2.0.192.in-addr.arpa': baseZone('2.0.192.in-addr.arpa', ADDRESS, '25 PTR mail.one.test.\n'),
    },
    updatable: ['one.test'],
  });
  host = await startHost({
    FACTEUR_DNS_SERVERS: `${ADDRESS}:${PORT}`,
    FACTEUR_DNS_AUTH_PORT: String(PORT),
    FACTEUR_DNS_TTL: '300',
    FACTEUR_DNS_TIMEOUT_MS: '1000',
  });
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(host.url).origin });
  page = await context.newPage();
  await page.goto(host.url);
  mkdirSync('test-results', { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await host?.stop();
  await knot?.stop();
});

const row = (id: string) => page.locator(`tr[data-record="${id}"]`);

describe('DNS page in Chromium, against Knot DNS', () => {
  it('shows the record set for a domain entered by hand, with copy buttons and a zone file', async () => {
    await page
      .getByRole('navigation', { name: 'Main navigation' })
      .getByRole('button', { name: 'DNS' })
      .click();
    await page.getByLabel('Domain', { exact: true }).fill('one.test');
    await page.getByLabel('IPv4 address').fill('192.0.2.25');
    await page.getByLabel('DKIM selector 1').fill('f2026-rsa');
    await page.getByLabel('DKIM value 1').fill(dkimValue);
    await page.getByRole('button', { name: 'Show the records' }).click();
    await visible(page.getByRole('heading', { name: 'Records for one.test' }));
    await showsText(row('mx'), '10 mail.one.test.');
    await showsText(row('dkim:f2026-rsa'), 'f2026-rsa._domainkey');
    await showsText(row('caa'), 'Allows letsencrypt.org');

    await page.getByRole('button', { name: 'Copy the value of the MX record one.test' }).click();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe('10 mail.one.test.');
    await page.getByRole('button', { name: 'Copy the name of the TXT record _dmarc.one.test' }).click();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe('_dmarc');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download the zone file' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('one.test.zone');
    const zone = readFileSync((await download.path())!, 'utf8');
    expect(zone).toContain('$ORIGIN one.test.');
    expect(zone).toMatch(
      /^f2026-rsa\._domainkey\.one\.test\. +300 IN TXT +"v=DKIM1; k=rsa; p=[^"]+" "[^"]+"$/m,
    );
  });

  it('checks the records live: all missing before they are published', async () => {
    await page.getByRole('button', { name: 'Check now' }).click();
    await showsText(page.getByTestId('dns-summary'), 'records need attention');
    expect(await row('mx').getAttribute('data-status')).toBe('missing');
    await showsText(page.locator('[data-detail="mx"]'), 'This record is missing');
    expect(await page.locator('[data-ptr="192.0.2.25"]').getAttribute('data-status')).toBe('ok');
  });

  it('applies the records via dynamic update, then every record is green', async () => {
    await page.getByLabel('DNS server').fill(ADDRESS);
    await page.getByLabel('Port', { exact: true }).fill(String(PORT));
    await page.getByLabel('Key name').fill(knot.key.name);
    await page.getByLabel('Secret (base64)').fill(knot.key.secret);
    await page.getByRole('button', { name: 'Apply the records' }).click();
    await showsText(
      page.getByTestId('dns-apply-result'),
      'added, 0 replaced, 0 removed, 0 already right',
      20_000,
    );
    await showsText(page.getByTestId('dns-summary'), 'records are published correctly', 20_000);
    for (const id of ['mx', 'mailA', 'spf', 'dkim:f2026-rsa', 'dmarc', 'caa', 'imaps', 'autodiscover'])
      expect(await row(id).getAttribute('data-status')).toBe('ok');
    await page.screenshot({ path: 'test-results/dns.png', fullPage: true });
  });

  it('names a record corrupted behind its back precisely', async () => {
    const corrupted = dkimValue.slice(0, 211) + 'Z' + dkimValue.slice(212);
    execFileSync('knsupdate', ['-y', `hmac-sha256:${knot.key.name}:${knot.key.secret}`], {
      input: [
        `server ${ADDRESS} ${PORT}`,
        'zone one.test.',
        'update delete f2026-rsa._domainkey.one.test. TXT',
        `update add f2026-rsa._domainkey.one.test. 300 TXT "${corrupted.slice(0, 255)}" "${corrupted.slice(255)}"`,
        'update delete one.test. TXT',
        'update add one.test. 300 TXT "\\"v=spf1 mx -all\\""',
        'send',
        '',
      ].join('\n'),
    });
    await page.getByRole('button', { name: 'Check now' }).click();
    await showsText(page.getByTestId('dns-summary'), '2 records need attention');
    const detail = page.locator('[data-detail="dkim:f2026-rsa"]');
    await showsText(detail, 'Differs at character 212: expected p=MIIB…');
    await showsText(page.locator('[data-detail="spf"] [data-hint="quotedTxt"]'), 'holds quote marks');
    await page.screenshot({ path: 'test-results/dns-wrong.png', fullPage: true });
    await page.getByTestId('dns-summary').evaluate((e) => e.scrollIntoView());
    await page.screenshot({ path: 'test-results/dns-check.png' }); // the README's picture
  });

  it('repairs with the saved secret, and reads in French', async () => {
    await page.getByRole('button', { name: 'Apply the records' }).click();
    await showsText(page.getByTestId('dns-apply-result'), '2 replaced', 20_000);
    await showsText(page.getByTestId('dns-summary'), 'records are published correctly', 20_000);
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByLabel('Language').selectOption('fr');
    await page.getByRole('button', { name: 'DNS' }).click();
    // The form was kept across pages; in French now.
    expect(await page.getByLabel('Domaine', { exact: true }).inputValue()).toBe('one.test');
    await page.getByRole('button', { name: 'Afficher les enregistrements' }).click();
    await page.getByRole('button', { name: 'Vérifier maintenant' }).click();
    await showsText(page.getByTestId('dns-summary'), 'enregistrements sont publiés correctement');
    await showsText(row('mx'), 'Le courriel pour one.test est remis à votre serveur mail.one.test.');
    await showsText(row('mx'), 'Correct');
    await page.screenshot({ path: 'test-results/dns-fr.png', fullPage: true });
    await page.getByRole('button', { name: 'Réglages' }).click();
    await page.getByLabel('Langue').selectOption('en');
  });
});
