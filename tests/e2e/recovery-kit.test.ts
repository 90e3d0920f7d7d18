/**
 * The recovery kit panel in Chromium, on two real browser hosts: Facteur A (a server and its
 * secrets in its data directory) refuses a weak passphrase, then saves a kit as a download and
 * shows the sheet; a fresh Facteur B refuses the kit with a wrong passphrase, imports it with the
 * right one, says what was added, and lists the server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { FileKeyProvider } from '../../src/main/services/vault/file-key-provider';
import { Vault } from '../../src/main/services/vault/vault';
import type { ServerProfile } from '../../src/shared/contract';
import { launchChromium, showsText, startHost, visible } from '../support/browser';

const PASSPHRASE = 'harbor violet 93 sideways';
const SERVER: ServerProfile = {
  id: 'srv_e2ekit0001',
  name: 'Kit server',
  host: '10.231.12.2',
  port: 22,
  user: 'root',
  hostKeyFingerprint: `SHA256:${'k'.repeat(43)}`,
  addedAt: '2025-01-01T00:00:00.000Z',
  facts: null,
};
const BACKUP_KEY = 'bk_' + 'x'.repeat(40);

let browser: Browser;
let a: Awaited<ReturnType<typeof startHost>>;
let b: Awaited<ReturnType<typeof startHost>>;
let pageA: Page;
let pageB: Page;
let kitPath: string;

beforeAll(async () => {
  [a, b] = await Promise.all([
    startHost({ FACTEUR_HEALTH_MONITOR: 'off' }),
    startHost({ FACTEUR_HEALTH_MONITOR: 'off' }),
  ]);
  // A's data directory holds a server and its secrets, as if added and deployed earlier.
  writeFileSync(join(a.home, 'servers.json'), JSON.stringify({ servers: [SERVER] }), { mode: 0o600 });
  const vault = new Vault(join(a.home, 'vault.json'), new FileKeyProvider(join(a.home, 'vault.key')));
  await vault.set(`server:${SERVER.id}:ssh`, { privateKey: 'not a real key' });
  await vault.set(`backup-key:${SERVER.id}`, { v: 1, key: BACKUP_KEY, createdAt: new Date().toISOString() });
  browser = await launchChromium();
  pageA = await browser.newPage({ viewport: { width: 1280, height: 1000 }, acceptDownloads: true });
  pageB = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  await pageA.goto(a.url);
  await pageB.goto(b.url);
});

afterAll(async () => {
  await browser?.close();
  await a?.stop();
  await b?.stop();
});

async function openSettings(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Settings' }).click();
  await visible(page.getByRole('heading', { name: 'Recovery kit' }));
}

describe('the recovery kit panel', () => {
  it('refuses a weak passphrase, then saves the kit and shows the sheet with the backup key', async () => {
    await openSettings(pageA);
    await pageA.getByLabel('Passphrase', { exact: true }).first().fill('short');
    await pageA.getByLabel('Passphrase again').fill('short');
    await pageA.getByRole('button', { name: 'Make and save the kit' }).click();
    await showsText(pageA.getByRole('alert'), 'too easy to guess');

    await pageA.getByLabel('Passphrase', { exact: true }).first().fill(PASSPHRASE);
    await pageA.getByLabel('Passphrase again').fill(`${PASSPHRASE}x`);
    await showsText(pageA.getByRole('alert'), 'The two passphrases differ.');
    await pageA.getByLabel('Passphrase again').fill(PASSPHRASE);
    const [download] = await Promise.all([
      pageA.waitForEvent('download'),
      pageA.getByRole('button', { name: 'Make and save the kit' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^facteur-recovery-kit-.*\.facteurkit$/);
    kitPath = join(mkdtempSync(join(tmpdir(), 'facteur-kit-e2e-')), download.suggestedFilename());
    await download.saveAs(kitPath);
    const text = readFileSync(kitPath, 'utf8');
    expect(JSON.parse(text)).toMatchObject({ format: 'facteur-recovery-kit', kdf: { alg: 'argon2id' } });
    expect(text).not.toContain(BACKUP_KEY);

    const sheet = pageA.getByTestId('recovery-sheet');
    await showsText(sheet, SERVER.hostKeyFingerprint);
    await showsText(sheet, BACKUP_KEY);
    expect(await sheet.textContent()).not.toContain(PASSPHRASE);
  });

  it('on a fresh Facteur: a wrong passphrase imports nothing; the right one adds the server and its keys', async () => {
    await openSettings(pageB);
    await pageB.getByLabel('Kit file').setInputFiles(kitPath);
    const importForm = pageB.locator('form', {
      has: pageB.getByRole('heading', { name: 'Import a recovery kit' }),
    });
    await importForm.getByLabel('Passphrase', { exact: true }).fill('harbor violet 93 sideway');
    await importForm.getByRole('button', { name: 'Import' }).click();
    await showsText(importForm.getByRole('alert'), 'does not open the recovery kit');

    await importForm.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
    await importForm.getByRole('button', { name: 'Import' }).click();
    const done = pageB.getByTestId('kit-imported');
    await showsText(done, 'Server Kit server: added.');
    await showsText(done, 'Backup key of Kit server: added.');
    await showsText(done, 'SSH key of Kit server: added.');

    await pageB
      .getByRole('navigation', { name: 'Main navigation' })
      .getByRole('button', { name: 'Servers' })
      .click();
    await showsText(pageB.locator('main'), 'Kit server');
  });
});
