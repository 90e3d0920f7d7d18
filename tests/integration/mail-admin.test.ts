/**
 * Mail administration on VPS 3 through the app's own handlers, checked with real clients: a new
 * mailbox logs in over IMAPS (imapflow) and keeps a message; the owner's reset (recovery key from
 * the vault, argon2id wrap made on the desktop) lets the new password read that old message while
 * the old one fails; two app passwords, one revoked alone; aliases and the catch-all deliver what
 * swaks sends to the MX; the QR code decodes (jsQR) to the settings; the Apple profile is a plist
 * (Python's plistlib) with the right hosts and ports; the test email arrives.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { ImapFlow } from 'imapflow';
import jsQR from 'jsqr';
import { qrCodeModules } from '../../src/main/services/mail/qr-code';
import type { CreatedMailbox } from '../../src/shared/mailbox';
import { stopVps } from '../infra/testbed';
import { deployedFacteur, type MailAdminBed } from '../support/mail-admin-bed';
import { cleanStack } from '../support/server-stack';
import { waitFor } from '../support/wait';

const run = promisify(execFile);
const N = 3;
const DOMAIN = 'facteur3.test';
const MAIL_HOST = `mail.${DOMAIN}`;
const ADDRESS = `alice@${DOMAIN}`;
const ENV = { FACTEUR_SSH_READY_MS: '15000', FACTEUR_SSH_COMMAND_MS: '30000' };

let bed: MailAdminBed;
let created: CreatedMailbox;
let password: string;

async function imap(pass: string, user = ADDRESS): Promise<ImapFlow> {
  const client = new ImapFlow({
    host: bed.vps.host,
    port: 993,
    secure: true,
    tls: { servername: MAIL_HOST, rejectUnauthorized: false },
    auth: { user, pass },
    logger: false,
  });
  await client.connect();
  return client;
}

async function canLogIn(pass: string): Promise<boolean> {
  try {
    await (await imap(pass)).logout();
    return true;
  } catch {
    return false;
  }
}

async function inboxSubjects(pass: string): Promise<string[]> {
  const client = await imap(pass);
  try {
    const lock = await client.getMailboxLock('INBOX');
    try {
      const out: string[] = [];
      if ((client.mailbox as { exists: number }).exists === 0) return out;
      for await (const m of client.fetch('1:*', { envelope: true })) out.push(m.envelope?.subject ?? '');
      return out;
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
}

/** swaks to the VPS's MX on port 25, as another mail server would deliver. */
async function sendToMx(to: string, subject: string): Promise<string> {
  const { stdout } = await run('swaks', [
    '--server',
    bed.vps.host,
    '--port',
    '25',
    '--ehlo',
    'peer.example.net',
    '--from',
    'someone@example.net',
    '--to',
    to,
    '--header',
    `Subject: ${subject}`,
    '--body',
    'Hello from outside.',
    '--timeout',
    '30',
  ]);
  return stdout;
}

/** swaks's transcript of a delivery the MX refused ('' when it was accepted). */
function refusedByMx(to: string, subject: string): Promise<string> {
  return sendToMx(to, subject).then(
    () => '',
    (err: { stdout?: string }) => err.stdout ?? '',
  );
}

beforeAll(async () => {
  bed = await deployedFacteur(N, MAIL_HOST, ENV);
}, 600_000);

afterAll(async () => {
  bed?.conn.close();
  await cleanStack(N).catch(() => undefined);
  await stopVps(N);
});

describe('domains', () => {
  it('adds a domain, lists it, refuses a duplicate and removing one that has mailboxes', async () => {
    expect(await bed.call('addDomain', { serverId: bed.serverId, name: DOMAIN })).toEqual({
      name: DOMAIN,
      mailboxes: 0,
      aliases: 0,
    });
    await expect(bed.call('addDomain', { serverId: bed.serverId, name: DOMAIN })).rejects.toMatchObject({
      code: 'VALIDATION',
      message: `${DOMAIN} is already a domain of this server.`,
    });
    await bed.call('addDomain', { serverId: bed.serverId, name: 'spare3.test' });
    expect((await bed.call('listDomains', { id: bed.serverId })).map((d) => d.name)).toEqual(
      expect.arrayContaining([DOMAIN, 'spare3.test']),
    );
    expect(await bed.call('removeDomain', { serverId: bed.serverId, name: 'spare3.test' })).toEqual({
      removed: true,
    });
    expect((await bed.call('listDomains', { id: bed.serverId })).map((d) => d.name)).not.toContain(
      'spare3.test',
    );
  });
});

describe('mailboxes and keys (real IMAP logins)', () => {
  it('creates a mailbox whose shown password logs in over IMAPS; a message put in is kept', async () => {
    created = await bed.call('createMailbox', {
      serverId: bed.serverId,
      address: ADDRESS,
      displayName: 'Alice',
    });
    password = created.password;
    const client = await imap(password);
    try {
      await client.append(
        'INBOX',
        `From: a@example.net\r\nTo: ${ADDRESS}\r\nSubject: kept across the reset\r\n\r\nOld mail.\r\n`,
      );
    } finally {
      await client.logout();
    }
    expect(await inboxSubjects(password)).toEqual(['kept across the reset']);

    const [details] = await bed.call('listMailboxDetails', { serverId: bed.serverId, domain: DOMAIN });
    expect(details).toMatchObject({ address: ADDRESS, state: 'active', quotaBytes: null, appPasswords: [] });
    expect(details!.usedMessages).toBe(1);
    expect(details!.usedBytes).toBeGreaterThan(0);

    await expect(bed.call('removeDomain', { serverId: bed.serverId, name: DOMAIN })).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringMatching(
        /still has mailboxes, so it was not removed: delete its mailboxes first/,
      ),
    });
  });

  it('sets a quota, disables (the login fails) and enables again', async () => {
    const q = await bed.call('setMailboxQuota', {
      serverId: bed.serverId,
      address: ADDRESS,
      quotaBytes: 50_000_000,
    });
    expect(q.quotaBytes).toBe(50_000_000);
    const off = await bed.call('setMailboxState', {
      serverId: bed.serverId,
      address: ADDRESS,
      state: 'disabled',
    });
    expect(off.state).toBe('disabled');
    expect(await canLogIn(password)).toBe(false);
    await bed.call('setMailboxState', { serverId: bed.serverId, address: ADDRESS, state: 'active' });
    expect(await canLogIn(password)).toBe(true);
  });

  it('resets the password with the recovery key: the new one reads the old message, the old one fails', async () => {
    const reset = await bed.call('resetMailboxPassword', { serverId: bed.serverId, address: ADDRESS });
    expect(reset.address).toBe(ADDRESS);
    expect(reset.password).not.toBe(password);
    expect(await inboxSubjects(reset.password)).toEqual(['kept across the reset']);
    expect(await canLogIn(password)).toBe(false);
    password = reset.password;
    // Neither password is on the desktop's disk.
    for (const p of [created.password, reset.password]) {
      const grep = execFileSync('sh', ['-c', `grep -rlF -- '${p}' '${bed.home}' || true`], {
        encoding: 'utf8',
      });
      expect(grep).toBe('');
    }
  });

  it('makes two app passwords without the mailbox password; revoking one leaves the other working', async () => {
    const phone = await bed.call('createAppPassword', {
      serverId: bed.serverId,
      address: ADDRESS,
      label: 'Phone',
    });
    const laptop = await bed.call('createAppPassword', {
      serverId: bed.serverId,
      address: ADDRESS,
      label: 'Laptop',
    });
    expect(phone).toMatchObject({ label: 'Phone', id: expect.stringMatching(/^[0-9a-f]{12}$/) });
    expect(await canLogIn(phone.password)).toBe(true);
    expect(await canLogIn(laptop.password)).toBe(true);
    const [listed] = await bed.call('listMailboxDetails', { serverId: bed.serverId });
    expect(listed!.appPasswords.map((a) => a.label).sort()).toEqual(['Laptop', 'Phone']);

    expect(
      await bed.call('revokeAppPassword', { serverId: bed.serverId, address: ADDRESS, id: phone.id }),
    ).toEqual({
      revoked: true,
    });
    expect(await canLogIn(phone.password)).toBe(false);
    expect(await canLogIn(laptop.password)).toBe(true);
    expect(await canLogIn(password)).toBe(true);
    await expect(
      bed.call('revokeAppPassword', { serverId: bed.serverId, address: ADDRESS, id: phone.id }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/already revoked/) });
  });
});

describe('aliases, forwards and the catch-all', () => {
  it('delivers mail sent to an alias and to any other address of the domain', async () => {
    const alias = await bed.call('addAlias', {
      serverId: bed.serverId,
      address: `sales@${DOMAIN}`,
      destinations: [ADDRESS],
    });
    expect(alias).toEqual({ address: `sales@${DOMAIN}`, destinations: [ADDRESS], catchAll: false });
    await expect(
      bed.call('addAlias', { serverId: bed.serverId, address: `sales@${DOMAIN}`, destinations: [ADDRESS] }),
    ).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringMatching(/exists already/) });
    const marker = randomBytes(4).toString('hex');
    expect(await sendToMx(`sales@${DOMAIN}`, `to the alias ${marker}`)).toMatch(/<[-~] +250 /);

    // Before the catch-all, an unknown address is refused; after it, accepted and delivered.
    expect(await refusedByMx(`nobody@${DOMAIN}`, 'refused')).toMatch(/<\*\* +5\d\d /);
    const all = await bed.call('addAlias', {
      serverId: bed.serverId,
      address: `@${DOMAIN}`,
      destinations: [ADDRESS],
    });
    expect(all.catchAll).toBe(true);
    expect(await sendToMx(`nobody@${DOMAIN}`, `to the catch-all ${marker}`)).toMatch(/<[-~] +250 /);

    const subjects = await waitFor('both messages', async () => {
      const s = await inboxSubjects(password);
      return s.filter((x) => x.endsWith(marker)).length === 2 ? s : undefined;
    });
    expect(subjects).toEqual(
      expect.arrayContaining([`to the alias ${marker}`, `to the catch-all ${marker}`]),
    );

    const listed = await bed.call('listAliases', { serverId: bed.serverId, domain: DOMAIN });
    expect(listed.map((a) => a.catchAll).sort()).toEqual([false, true]);
    await bed.call('updateAlias', {
      serverId: bed.serverId,
      address: `sales@${DOMAIN}`,
      destinations: [ADDRESS, 'boss@example.net'],
    });
    expect(
      (await bed.call('listAliases', { serverId: bed.serverId })).find((a) => !a.catchAll)!.destinations,
    ).toEqual([ADDRESS, 'boss@example.net']);
    expect(await bed.call('removeAlias', { serverId: bed.serverId, address: `@${DOMAIN}` })).toEqual({
      removed: true,
    });
    expect(await refusedByMx(`nobody@${DOMAIN}`, 'refused again')).toMatch(/<\*\* +5\d\d /);
  });
});

describe('client setup', () => {
  it('the QR code decodes to the settings in plain words, and the SVG draws that code', async () => {
    const setup = await bed.call('clientSetup', { serverId: bed.serverId, address: ADDRESS });
    expect(setup.settings).toEqual(created.settings);
    expect(setup.qrText).toContain(`Incoming (IMAP): ${MAIL_HOST} port 993 SSL/TLS`);
    expect(setup.qrText).toContain(`Outgoing (SMTP): ${MAIL_HOST} port 465 SSL/TLS`);
    expect(setup.qrText).not.toContain(password);
    expect(setup.qrSvg).toMatch(/^<svg [^>]*viewBox="0 0 (\d+) \1"/);

    // The same text's modules, rendered to pixels and read back by a QR decoder.
    const modules = qrCodeModules(setup.qrText);
    const scale = 4;
    const quiet = 4;
    const size = (modules.length + 2 * quiet) * scale;
    const pixels = new Uint8ClampedArray(size * size * 4).fill(255);
    modules.forEach((row, y) =>
      row.forEach((dark, x) => {
        if (!dark) return;
        for (let dy = 0; dy < scale; dy++)
          for (let dx = 0; dx < scale; dx++) {
            const i = (((y + quiet) * scale + dy) * size + (x + quiet) * scale + dx) * 4;
            pixels.fill(0, i, i + 3);
          }
      }),
    );
    expect(jsQR(pixels, size, size)?.data).toBe(setup.qrText);
    // The SVG's viewBox is the module count plus its 2-module margin on each side.
    const viewBox = Number(/viewBox="0 0 (\d+)/.exec(setup.qrSvg)![1]);
    expect(viewBox).toBe(modules.length + 4);
  });

  it('the Apple profile is a valid plist with IMAP 993 and SMTP 465 over SSL, and no password unless asked', async () => {
    const parse = (xml: string) =>
      JSON.parse(
        execFileSync(
          '/usr/bin/python3',
          ['-c', 'import json,plistlib,sys; print(json.dumps(plistlib.loads(sys.stdin.buffer.read())))'],
          { input: xml, encoding: 'utf8' },
        ),
      ) as { PayloadType: string; PayloadContent: Array<Record<string, unknown>> };
    const plain = await bed.call('appleProfile', { serverId: bed.serverId, address: ADDRESS });
    expect(plain.fileName).toBe('alice_facteur3.test.mobileconfig');
    expect(plain.appPasswordId).toBeNull();
    const profile = parse(plain.content);
    expect(profile.PayloadType).toBe('Configuration');
    const [account] = profile.PayloadContent;
    expect(account).toMatchObject({
      PayloadType: 'com.apple.mail.managed',
      EmailAccountType: 'EmailTypeIMAP',
      EmailAddress: ADDRESS,
      IncomingMailServerHostName: MAIL_HOST,
      IncomingMailServerPortNumber: 993,
      IncomingMailServerUseSSL: true,
      IncomingMailServerUsername: ADDRESS,
      OutgoingMailServerHostName: MAIL_HOST,
      OutgoingMailServerPortNumber: 465,
      OutgoingMailServerUseSSL: true,
    });
    expect(account).not.toHaveProperty('IncomingPassword');

    const withPassword = await bed.call('appleProfile', {
      serverId: bed.serverId,
      address: ADDRESS,
      includePassword: true,
    });
    const inside = parse(withPassword.content).PayloadContent[0]!.IncomingPassword as string;
    expect(await canLogIn(inside)).toBe(true);
    const [m] = await bed.call('listMailboxDetails', { serverId: bed.serverId });
    expect(m!.appPasswords.find((a) => a.id === withPassword.appPasswordId)?.label).toBe('Apple profile');
  });

  it('sends a test email through port 465 that arrives, with its temporary app password revoked after', async () => {
    const before = (await bed.call('listMailboxDetails', { serverId: bed.serverId }))[0]!.appPasswords;
    const result = await bed.call('sendTestEmail', { serverId: bed.serverId, address: ADDRESS });
    expect(result.status, result.detail).toBe('delivered');
    expect(result.detail).toMatch(/accepted the message/);
    await waitFor('the test email', async () =>
      (await inboxSubjects(password)).includes('Facteur test email') ? true : undefined,
    );
    const after = (await bed.call('listMailboxDetails', { serverId: bed.serverId }))[0]!.appPasswords;
    expect(after).toEqual(before);
  });
});

describe('deleting', () => {
  it('asks for the address typed again, then deletes: the login fails and the domain can go', async () => {
    await expect(
      bed.call('deleteMailbox', { serverId: bed.serverId, address: ADDRESS, confirmAddress: 'alice' }),
    ).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringMatching(/nothing was deleted/) });
    expect(await canLogIn(password)).toBe(true);
    expect(
      await bed.call('deleteMailbox', { serverId: bed.serverId, address: ADDRESS, confirmAddress: ADDRESS }),
    ).toEqual({ deleted: true });
    expect(await canLogIn(password)).toBe(false);
    expect(await bed.call('removeDomain', { serverId: bed.serverId, name: DOMAIN })).toEqual({
      removed: true,
    });
  });
});
