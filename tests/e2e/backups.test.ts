/**
 * The Backups page in Chromium against a deployed stack on VPS 11: backups turned on (kept on the
 * server), "Back up now" with its progress, the backup listed (verified) with its contents; a message
 * deleted afterwards, then that one mailbox restored from the page after its confirmation: the
 * message is back over IMAP and the counts per mailbox are shown; then a copy kept on this laptop,
 * and the mailbox deleted from the Mail page after a last backup that still holds it.
 * Screenshot: docs/screenshots/backups.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import type { Browser, Locator, Page } from 'playwright-core';
import { stopVps } from '../infra/testbed';
import { launchChromium, showsText, startHost, textOf, visible } from '../support/browser';
import { deployedFacteur, type MailAdminBed } from '../support/mail-admin-bed';
import { cleanStack, ROOT } from '../support/server-stack';

const N = 11;
const DOMAIN = 'facteur11.test';
const MAIL_HOST = `mail.${DOMAIN}`;
const ADDRESS = `erin@${DOMAIN}`;
const ENV = {
  FACTEUR_SSH_READY_MS: '15000',
  FACTEUR_SSH_COMMAND_MS: '60000',
  FACTEUR_BACKUP_POLL_MS: '300',
  FACTEUR_BACKUP_DAILY_AT: '',
};
const SUBJECTS = ['first letter', 'second letter', 'third letter'];

let bed: MailAdminBed;
let host: Awaited<ReturnType<typeof startHost>>;
let browser: Browser;
let page: Page;
let password = '';
/** The backup made by "Back up now" (its id, as the list's rows carry it). */
let firstBackup = '';
/** The bytes the progress line showed during a backup ("12 MB of 40 MB"), as done/total. */
const bytesSeen = new Set<string>();

async function withInbox<T>(use: (client: ImapFlow) => Promise<T>): Promise<T> {
  const client = new ImapFlow({
    host: bed.vps.host,
    port: 993,
    secure: true,
    tls: { servername: MAIL_HOST, rejectUnauthorized: false },
    auth: { user: ADDRESS, pass: password },
    logger: false,
  });
  await client.connect();
  try {
    const lock = await client.getMailboxLock('INBOX');
    try {
      return await use(client);
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
}

const subjects = () =>
  withInbox(async (client) => {
    const out: string[] = [];
    if ((client.mailbox as { exists: number }).exists === 0) return out;
    for await (const m of client.fetch('1:*', { envelope: true })) out.push(m.envelope?.subject ?? '');
    return out.sort();
  });

/** Waits for `text` in `locator`; an error the page shows meanwhile fails at once with its words. */
async function shownUnlessError(locator: Locator, text: string, timeout: number): Promise<void> {
  const alert = page.getByRole('alert');
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    if (await locator.filter({ hasText: text }).first().isVisible()) return;
    if (await alert.first().isVisible())
      throw new Error(`the page shows: ${await alert.first().textContent()}`);
    await page.waitForTimeout(200);
  }
  throw new Error(`"${text}" not shown within ${timeout} ms`);
}

/** Every phase name the progress line shows until `done` shows, read as the page draws them. */
async function phasesUntil(done: () => Promise<boolean>, timeout: number): Promise<string[]> {
  const seen = new Set<string>();
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    const phase = await page
      .getByTestId('backup-progress')
      .locator('[data-phase]')
      .getAttribute('data-phase', { timeout: 200 })
      .catch(() => null);
    if (phase) seen.add(phase);
    const bytes = await page
      .getByTestId('backup-progress')
      .locator('[data-bytes]')
      .getAttribute('data-bytes', { timeout: 100 })
      .catch(() => null);
    if (bytes) bytesSeen.add(bytes);
    if (await done()) return [...seen];
    const alert = page.getByRole('alert');
    if (await alert.first().isVisible())
      throw new Error(`the page shows: ${await alert.first().textContent()}`);
    await page.waitForTimeout(100);
  }
  throw new Error(`not finished within ${timeout} ms; phases seen: ${[...seen].join(', ')}`);
}

beforeAll(async () => {
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  bed = await deployedFacteur(N, MAIL_HOST, ENV);
  await bed.call('addDomain', { serverId: bed.serverId, name: DOMAIN });
  password = (await bed.call('createMailbox', { serverId: bed.serverId, address: ADDRESS })).password;
  await withInbox(async (client) => {
    for (const subject of SUBJECTS)
      await client.append('INBOX', `Subject: ${subject}\r\n\r\nKept by the backup: ${subject}\r\n`);
  });
  host = await startHost({ ...ENV, FACTEUR_HOME: bed.home });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(host.url);
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await host?.stop();
  bed?.conn.close();
  await cleanStack(N).catch(() => undefined);
  await stopVps(N);
});

describe('Backups page in Chromium (VPS 11)', () => {
  it('turns backups on, kept on the server', async () => {
    await page
      .getByRole('navigation', { name: 'Main navigation' })
      .getByRole('button', { name: 'Backups' })
      .click();
    await showsText(page.getByTestId('backup-status'), 'Backups are off', 60_000);
    expect(await page.getByLabel('On this server').isChecked()).toBe(true);
    await page.getByLabel('Daily', { exact: true }).fill('7');
    await page.getByRole('button', { name: 'Turn backups on' }).click();
    await shownUnlessError(page.getByRole('status'), 'Saved. Backups are on.', 120_000);
    await showsText(page.getByTestId('backup-status'), 'none has been made yet', 30_000);
    await visible(page.getByRole('button', { name: 'Back up now' }));
  }, 240_000);

  it('backs up now with its progress, then lists the backup, verified, with its contents', async () => {
    await page.getByRole('button', { name: 'Back up now' }).click();
    const done = page.getByTestId('backup-done');
    const phases = await phasesUntil(() => done.isVisible(), 300_000);
    expect(phases.length).toBeGreaterThan(0);
    expect(
      phases.every((p) => ['starting', 'staging', 'uploading', 'checking', 'pruning', 'done'].includes(p)),
    ).toBe(true);
    expect(await textOf(done)).toMatch(
      /^Done: .+ backed up, .+ of it new since the previous backup, in .+\. The backup was read back and checked\.$/,
    );
    // The upload's bytes were shown beside its percent.
    expect([...bytesSeen].some((b) => /^\d+\/[1-9]\d*$/.test(b))).toBe(true);

    const row = page.locator('tr[data-backup]');
    await visible(row, 30_000);
    expect(await row.count()).toBe(1);
    firstBackup = (await row.getAttribute('data-backup')) ?? '';
    expect(firstBackup).toMatch(/^[0-9a-f]{8,64}$/);
    expect(await textOf(row.locator('.tag'))).toBe('Verified');
    expect(await textOf(row.locator('td').nth(3))).toBe('1');
    await showsText(page.getByTestId('backup-status'), 'Last backup:', 30_000);

    await row.getByRole('button', { name: /^Show what the backup of .+ holds$/ }).click();
    const contents = page.getByTestId('backup-contents');
    await visible(contents.locator(`[data-backup-mailbox="${ADDRESS}"]`), 60_000);
    await showsText(contents, DOMAIN);
    await showsText(contents, 'DKIM keys and certificates');
  }, 420_000);

  it('restores one mailbox after a deletion: the message is back and the counts are shown', async () => {
    await withInbox(async (client) => {
      await client.messageDelete({ subject: SUBJECTS[1]! });
    });
    expect(await subjects()).toEqual([SUBJECTS[0], SUBJECTS[2]].sort());

    const restore = page.getByTestId('restore-panel');
    expect(await restore.getByLabel('One mailbox').isChecked()).toBe(true);
    expect(await restore.getByLabel('Mailbox to restore').inputValue()).toBe(ADDRESS);
    await restore.getByRole('button', { name: 'Restore…' }).click();
    const dialog = page.getByRole('alertdialog', { name: 'Before restoring' });
    await showsText(dialog, `The mailbox ${ADDRESS} on VPS ${N} goes back to how it was on`);
    await showsText(dialog, 'kept aside');
    await dialog.getByRole('button', { name: 'Yes, restore' }).click();

    const done = page.getByTestId('restore-done');
    const phases = await phasesUntil(() => done.isVisible(), 300_000);
    expect(phases.length).toBeGreaterThan(0);
    expect(await textOf(done)).toMatch(/What it replaced is kept on the server in \S+/);

    const counts = page.locator(`[data-testid="restore-verification"] tr[data-verified="${ADDRESS}"]`);
    await visible(counts, 120_000);
    expect(await textOf(counts.locator('[data-count="messages"]'))).toBe('3');
    expect(await textOf(counts.locator('[data-count="events"]'))).toBe('0');
    expect(await textOf(counts.locator('[data-count="contacts"]'))).toBe('0');
    expect(await textOf(counts.locator('td').last())).toBe('Sound');
    expect(await subjects()).toEqual([...SUBJECTS].sort());

    mkdirSync(join(ROOT, 'docs', 'screenshots'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'docs', 'screenshots', 'backups.png'), fullPage: true });
  }, 600_000);

  it('keeps a copy on this laptop: the files of the backups arrive in the app’s data directory', async () => {
    await page.getByLabel('Keep a copy on this laptop').check();
    await page.getByRole('button', { name: 'Save the settings' }).click();
    const update = page.getByRole('button', { name: 'Update the copy on this laptop' });
    await visible(update, 60_000);
    await update.click();
    await shownUnlessError(page.getByRole('status'), 'The copy on this laptop is up to date', 120_000);
    const copy = /up to date \(.+ in (\d+) files, .+ brought now\): (\S+)$/.exec(
      await textOf(page.getByRole('status').filter({ hasText: 'The copy on this laptop' })),
    );
    expect(copy).not.toBeNull();
    const [, files, dir] = copy!;
    expect(dir!.startsWith(bed.home)).toBe(true);
    expect(existsSync(join(dir!, 'config'))).toBe(true);
    expect(Number(files)).toBeGreaterThan(3);
  }, 240_000);

  it('deletes the mailbox from the Mail page after a last backup that still holds it', async () => {
    await page
      .getByRole('navigation', { name: 'Main navigation' })
      .getByRole('button', { name: 'Mail' })
      .click();
    await page.locator(`tr[data-mailbox="${ADDRESS}"]`).getByRole('button', { name: ADDRESS }).click();
    await page.getByRole('button', { name: 'Delete this mailbox…' }).click();
    const dialog = page.getByRole('alertdialog', { name: `Delete ${ADDRESS}?` });
    const backupFirst = dialog.getByLabel('Make a last backup first');
    await visible(backupFirst, 30_000);
    // Enabled once the page knows backups are on for this server.
    await expect.poll(() => backupFirst.isEnabled(), { timeout: 30_000 }).toBe(true);
    expect(await backupFirst.isChecked()).toBe(true);
    await dialog.getByLabel(`Type ${ADDRESS} to confirm`).fill(ADDRESS);
    await dialog.getByRole('button', { name: 'Delete for good' }).click();
    await page.locator(`tr[data-mailbox="${ADDRESS}"]`).waitFor({ state: 'detached', timeout: 300_000 });
    await expect(subjects()).rejects.toThrow();

    await page
      .getByRole('navigation', { name: 'Main navigation' })
      .getByRole('button', { name: 'Backups' })
      .click();
    // A new backup heads the list; the earlier one of today stays (retention keeps the last 3).
    const newest = page.locator('tr[data-backup]').first();
    await expect
      .poll(async () => (await newest.getAttribute('data-backup').catch(() => null)) ?? firstBackup, {
        timeout: 60_000,
      })
      .not.toBe(firstBackup);
    await visible(page.locator(`tr[data-backup="${firstBackup}"]`), 30_000);
    await newest.getByRole('button').click();
    await visible(page.getByTestId('backup-contents').locator(`[data-backup-mailbox="${ADDRESS}"]`), 60_000);
  }, 420_000);

  it('turns backups off: the status says so, the backups made stay listed; then on again', async () => {
    const toggle = page.getByLabel('Make backups on schedule');
    expect(await toggle.isChecked()).toBe(true);
    await toggle.uncheck();
    await page.getByRole('button', { name: 'Save the settings' }).click();
    await shownUnlessError(page.getByRole('status'), 'Saved. Backups are off', 120_000);
    await showsText(page.getByTestId('backup-status'), 'Backups are turned off', 30_000);
    await visible(page.locator(`tr[data-backup="${firstBackup}"]`), 30_000);
    const settings = await bed.call('backupSettings', { id: bed.serverId });
    expect(settings).toMatchObject({ enabled: false, configured: true });
    expect(settings.nextBackupAt).toBeUndefined();

    await toggle.check();
    await page.getByRole('button', { name: 'Save the settings' }).click();
    await shownUnlessError(page.getByRole('status'), 'Saved. Backups are on.', 120_000);
    expect(await bed.call('backupSettings', { id: bed.serverId })).toMatchObject({ enabled: true });
  }, 300_000);
});
