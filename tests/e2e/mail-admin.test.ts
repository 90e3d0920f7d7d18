/**
 * The Mail section in Chromium against a deployed stack on VPS 3: add a domain, create a mailbox
 * (its password shown once logs in over IMAPS), reset its password with the recovery key (the old
 * mail is read with the new one, the old password fails), read its QR code back from the rendered image,
 * download the .mobileconfig (a plist with the right hosts), make an app password then revoke it
 * (it stops logging in). Screenshot: docs/screenshots/mail.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import jsQR from 'jsqr';
import type { Browser, Page } from 'playwright-core';
import { stopVps } from '../infra/testbed';
import { launchChromium, showsText, startHost, visible } from '../support/browser';
import { deployedFacteur, type MailAdminBed } from '../support/mail-admin-bed';
import { cleanStack, ROOT } from '../support/server-stack';

const N = 3;
const DOMAIN = 'facteur3.test';
const MAIL_HOST = `mail.${DOMAIN}`;
const ADDRESS = `alice@${DOMAIN}`;
const ENV = { FACTEUR_SSH_READY_MS: '15000', FACTEUR_SSH_COMMAND_MS: '30000' };

let bed: MailAdminBed;
let host: Awaited<ReturnType<typeof startHost>>;
let browser: Browser;
let page: Page;
let firstPassword = '';

function imap(pass: string): ImapFlow {
  return new ImapFlow({
    host: bed.vps.host,
    port: 993,
    secure: true,
    tls: { servername: MAIL_HOST, rejectUnauthorized: false },
    auth: { user: ADDRESS, pass },
    logger: false,
  });
}

async function canLogIn(pass: string): Promise<boolean> {
  const client = imap(pass);
  try {
    await client.connect();
    await client.logout();
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  bed = await deployedFacteur(N, MAIL_HOST, ENV);
  host = await startHost({ ...ENV, FACTEUR_HOME: bed.home });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
  await page.goto(host.url);
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await host?.stop();
  bed?.conn.close();
  await cleanStack(N).catch(() => undefined);
  await stopVps(N);
});

describe('Mail section in Chromium (VPS 3)', () => {
  it('adds a domain and creates a mailbox whose password, shown once, logs in', async () => {
    await page
      .getByRole('navigation', { name: 'Main navigation' })
      .getByRole('button', { name: 'Mail' })
      .click();
    await page.getByLabel('Add a domain').fill(DOMAIN);
    await page.getByRole('button', { name: 'Add the domain' }).click();
    await visible(page.locator(`tr[data-domain="${DOMAIN}"]`), 30_000);

    await page.getByLabel('New mailbox').fill(ADDRESS);
    await page.getByRole('button', { name: 'Create the mailbox' }).click();
    const shown = page.getByTestId('mailbox-password');
    await visible(shown, 60_000);
    const password = (await shown.textContent())!.trim();
    expect(await canLogIn(password)).toBe(true);
    await visible(page.locator(`tr[data-mailbox="${ADDRESS}"]`), 30_000);
    firstPassword = password;
  });

  it('resets the password with the recovery key: the new one reads the old mail, the old one fails', async () => {
    const client = imap(firstPassword);
    await client.connect();
    await client.append('INBOX', 'Subject: before the reset\r\n\r\nkept across the reset\r\n');
    await client.logout();

    await page.getByRole('button', { name: 'Reset the password' }).click();
    const shown = page.getByTestId('reset-password');
    await visible(shown, 60_000);
    const newPassword = (await shown.textContent())!.trim();
    expect(newPassword).not.toBe(firstPassword);
    expect(await canLogIn(firstPassword)).toBe(false);
    const reader = imap(newPassword);
    await reader.connect();
    await reader.mailboxOpen('INBOX');
    const subjects: string[] = [];
    for await (const m of reader.fetch('1:*', { envelope: true })) subjects.push(m.envelope?.subject ?? '');
    await reader.logout();
    expect(subjects).toContain('before the reset');
  });

  it('shows a QR code that decodes to the settings, and downloads the .mobileconfig', async () => {
    const img = page.getByTestId('qr-code').locator('img');
    await visible(img, 60_000);
    // Drawn by the page itself (the DOM runs there): the pixels the owner sees, read by a QR decoder.
    const pixels = await page.evaluate<number[]>(`(async () => {
      const el = document.querySelector('[data-testid="qr-code"] img');
      await el.decode();
      const canvas = document.createElement('canvas');
      canvas.width = 400;
      canvas.height = 400;
      const ctx = canvas.getContext('2d');
      ctx.fillStyle = '#fff';
      ctx.fillRect(0, 0, 400, 400);
      ctx.drawImage(el, 0, 0, 400, 400);
      return Array.from(ctx.getImageData(0, 0, 400, 400).data);
    })()`);
    const decoded = jsQR(new Uint8ClampedArray(pixels), 400, 400);
    expect(decoded?.data).toContain(`Mail account: ${ADDRESS}`);
    expect(decoded?.data).toContain(`Incoming (IMAP): ${MAIL_HOST} port 993 SSL/TLS`);

    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 60_000 }),
      page.getByRole('button', { name: 'Download the profile (.mobileconfig)' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('alice_facteur3.test.mobileconfig');
    const file = await download.path();
    const profile = JSON.parse(
      execFileSync(
        '/usr/bin/python3',
        [
          '-c',
          'import json,plistlib,sys; print(json.dumps(plistlib.loads(open(sys.argv[1],"rb").read())))',
          file,
        ],
        { encoding: 'utf8' },
      ),
    ) as { PayloadContent: Array<Record<string, unknown>> };
    expect(profile.PayloadContent[0]).toMatchObject({
      PayloadType: 'com.apple.mail.managed',
      IncomingMailServerHostName: MAIL_HOST,
      IncomingMailServerPortNumber: 993,
      OutgoingMailServerHostName: MAIL_HOST,
      OutgoingMailServerPortNumber: 465,
    });
    expect(readFileSync(file, 'utf8')).not.toContain('<key>IncomingPassword</key>');
  });

  it('makes an app password that logs in, then revokes it: it stops working', async () => {
    await page.getByLabel('Device name').fill('Phone');
    await page.getByRole('button', { name: 'Make an app password' }).click();
    const shown = page.getByTestId('app-password');
    await visible(shown, 60_000);
    const appPassword = (await shown.textContent())!.trim();
    expect(await canLogIn(appPassword)).toBe(true);
    await visible(page.locator('[data-app-password="Phone"]'), 30_000);

    mkdirSync(join(ROOT, 'docs', 'screenshots'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'docs', 'screenshots', 'mail.png'), fullPage: true });

    await page.getByRole('button', { name: 'Revoke the app password Phone' }).click();
    await page.locator('[data-app-password="Phone"]').waitFor({ state: 'detached', timeout: 60_000 });
    await showsText(page.getByTestId('mailbox-panel'), 'No app password yet.');
    expect(await canLogIn(appPassword)).toBe(false);
  });
});
