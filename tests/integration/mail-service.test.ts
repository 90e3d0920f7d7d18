/**
 * The end of the setup journey on VPS 5, through the app's own handlers: the DNS plan filled from
 * the deployed server, a certificate from a real ACME CA (pebble on the VPS's host side, HTTP-01
 * validated against the VPS's port 80), the first mailbox, and real clients using the settings
 * Facteur shows: IMAPS (imapflow) and POP3S (curl) verified against pebble's root, SMTP submission
 * on 465 and 587 (swaks), calendars and contacts over HTTPS on 443 (python3-caldav, CardDAV through
 * requests). The recovery key Facteur made opens the server's recovery wrap: the key
 * it gives, wrapped under a new password, unlocks the mailbox with its mail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { request } from 'node:https';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { promisify } from 'node:util';
import { ImapFlow } from 'imapflow';
import { createApp } from '../../src/main/app';
import { loadConfig } from '../../src/main/config';
import { writeDeployment } from '../../src/main/services/deploy/deployment-record';
import { createDispatcher, directCaller } from '../../src/main/ipc/dispatcher';
import { RecoveryKeyStore } from '../../src/main/services/mail/recovery-key-store';
import {
  generateRecoveryKey,
  openRecoveryWrap,
  RECOVERY_PUBLIC_KEY_BYTES,
  type RecoveryWrap,
} from '../../src/main/services/mail/recovery-key';
import { ControlClient } from '../../src/main/services/control/control-client';
import type { SshConnection } from '../../src/main/services/ssh/ssh-client';
import { FileKeyProvider } from '../../src/main/services/vault/file-key-provider';
import { Vault } from '../../src/main/services/vault/vault';
import type { ClientSettings, CreatedMailbox } from '../../src/shared/mailbox';
import { ensureTestbed, startVps, stopVps, type VpsInfo } from '../infra/testbed';
import { startAcmeBed, type AcmeBed } from '../support/acme-bed';
import { freshFacteur } from '../support/facteur';
import { cleanStack, connectVps, deployerFor, ensureServerImage, ROOT } from '../support/server-stack';
import { scanFingerprint } from '../support/ssh';
import { waitFor } from '../support/wait';

const run = promisify(execFile);
const N = 5;
const DOMAIN = 'facteur5.test';
const MAIL_HOST = `mail.${DOMAIN}`;
const ADDRESS = `alice@${DOMAIN}`;
const CONTROL_PORT = 8025;
const CA_FILE = 'acme-ca.pem';
const ENV = { FACTEUR_SSH_READY_MS: '15000', FACTEUR_SSH_COMMAND_MS: '30000' };

let vps: VpsInfo;
let acme: AcmeBed;
let conn: SshConnection;
let home: string;
let serverId: string;
let call: ReturnType<typeof freshFacteur>['call'];
let created: CreatedMailbox;

/** Node 24 running the server bundle's own crypto code (the format the server really uses). */
async function serverCrypto(script: string, input: unknown): Promise<string> {
  const bed = await ensureTestbed();
  const { stdout } = await new Promise<{ stdout: string }>((resolve, reject) => {
    const child = execFile(
      bed.node24Bin,
      ['--input-type=module', '-e', script],
      { cwd: join(ROOT, 'server-bundle'), encoding: 'utf8' },
      (err, out) => (err ? reject(err) : resolve({ stdout: out })),
    );
    child.stdin!.end(JSON.stringify(input));
  });
  return stdout;
}
const READ_STDIN =
  "const { readFileSync } = await import('node:fs'); const input = JSON.parse(readFileSync(0, 'utf8'));";

/** The certificate a listener of the VPS presents for MAIL_HOST, verified against pebble's root. */
function presentedCertificate(port: number, servername = MAIL_HOST) {
  return new Promise<{ authorized: boolean; error?: string; issuer: string }>((resolve, reject) => {
    const socket = tlsConnect({
      host: vps.host,
      port,
      servername,
      ca: acme.rootPem,
      rejectUnauthorized: false,
    });
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate();
      resolve({
        authorized: socket.authorized,
        error: socket.authorizationError?.toString(),
        issuer: String(cert.issuer.CN),
      });
      socket.destroy();
    });
    socket.once('error', reject);
  });
}

function imapClient(settings: ClientSettings, password: string): ImapFlow {
  const imap = settings.incoming.find((e) => e.protocol === 'imap')!;
  return new ImapFlow({
    host: vps.host, // the settings' host name, which a real client resolves through DNS
    port: imap.port,
    secure: imap.security === 'tls',
    tls: { servername: imap.host, ca: [acme.rootPem], rejectUnauthorized: true },
    auth: { user: settings.username, pass: password },
    logger: false,
  });
}

async function subjectsInInbox(settings: ClientSettings, password: string): Promise<string[]> {
  const client = imapClient(settings, password);
  await client.connect();
  try {
    const lock = await client.getMailboxLock('INBOX');
    try {
      const subjects: string[] = [];
      for await (const m of client.fetch('1:*', { envelope: true })) subjects.push(m.envelope?.subject ?? '');
      return subjects;
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
}

beforeAll(async () => {
  const archive = await ensureServerImage();
  vps = await startVps(N);
  await cleanStack(N);
  acme = await startAcmeBed({
    hostSide: vps.hostSideAddress,
    vpsAddress: vps.host,
    names: [MAIL_HOST, `mta-sts.${DOMAIN}`, `autoconfig.${DOMAIN}`],
  });
  conn = await connectVps(vps);
  const deployed = await deployerFor(conn, archive, {
    issueControlToken: true,
    serverConfig: {
      hostname: MAIL_HOST,
      acme: {
        directoryUrl: acme.directoryUrl,
        caCertFile: `/var/lib/facteur/${CA_FILE}`,
        requestPollMs: 300,
        pollMinMs: 100,
        pollMaxMs: 500,
      },
      tls: { watchIntervalMs: 300 },
    },
    dataFiles: { [CA_FILE]: acme.apiCaPem },
  }).deploy();

  // Facteur knows the server (added over SSH as the owner would), but has not deployed it yet.
  const first = freshFacteur(ENV);
  home = first.home;
  const profile = await first.call('addServer', {
    host: vps.host,
    port: vps.port,
    user: vps.user,
    name: 'VPS five',
    auth: { kind: 'privateKey', privateKey: readFileSync(vps.clientKeyPath, 'utf8') },
    confirmedFingerprint: scanFingerprint(vps.host, vps.port),
  });
  serverId = profile.id;
  await expect(first.call('certificateStatus', { id: serverId })).rejects.toMatchObject({
    code: 'NOT_DEPLOYED',
    message: expect.stringMatching(/run the deploy step first/),
  });

  // What the deploy step records, written here (the deploy service does it in the real flow).
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
  // A new start of the app on the same data directory reads it.
  const app = createApp({
    config: loadConfig({ FACTEUR_HOME: home, ...ENV }),
    runtime: 'cli',
    version: 'test',
  });
  call = directCaller(createDispatcher(app.handlers));
}, 600_000);

afterAll(async () => {
  conn?.close();
  await acme?.stop();
  await cleanStack(N).catch(() => undefined);
  await stopVps(N);
});

describe('the recovery key, desktop (Node 20, @noble/post-quantum) against the server bundle (Node 24)', () => {
  it('has the server format: same public key from the same private key, and the server’s wraps open on the desktop', async () => {
    const key = generateRecoveryKey();
    expect(key.publicBytes).toHaveLength(RECOVERY_PUBLIC_KEY_BYTES);
    const mailboxKey = randomBytes(32);
    const out = JSON.parse(
      await serverCrypto(
        READ_STDIN +
          "const { parsePrivateKey, parsePublicKey } = await import('./src/crypto/hybrid-kem.ts');" +
          "const { wrapWithRecoveryKey } = await import('./src/crypto/key-wraps.ts');" +
          "const pub = parsePrivateKey(Buffer.from(input.privateKey, 'base64')).publicKey;" +
          "const wrap = wrapWithRecoveryKey(Buffer.from(input.key, 'base64'), parsePublicKey(Buffer.from(input.publicKey, 'base64')), { mailboxId: 'm1', wrapId: 'owner' });" +
          "process.stdout.write(JSON.stringify({ publicKey: pub.bytes.toString('base64'), wrap }));",
        {
          privateKey: key.privateBytes.toString('base64'),
          publicKey: key.publicBytes.toString('base64'),
          key: mailboxKey.toString('base64'),
        },
      ),
    ) as { publicKey: string; wrap: RecoveryWrap };
    expect(out.publicKey).toBe(key.publicBytes.toString('base64'));
    expect(openRecoveryWrap(key, out.wrap, { mailboxId: 'm1', wrapId: 'owner' }).equals(mailboxKey)).toBe(
      true,
    );
    // Bound to its mailbox, and to this key only.
    expect(() => openRecoveryWrap(key, out.wrap, { mailboxId: 'm2', wrapId: 'owner' })).toThrow(
      /does not open/,
    );
    expect(() =>
      openRecoveryWrap(generateRecoveryKey(), out.wrap, { mailboxId: 'm1', wrapId: 'owner' }),
    ).toThrow(/another recovery key/);
  });
});

describe('certificate and first mailbox through the control API (VPS 5, pebble, real clients)', () => {
  it('says NOT_DEPLOYED in plain words for a server Facteur does not know', async () => {
    await expect(call('certificateStatus', { id: 'no-such-server' })).rejects.toMatchObject({
      code: 'NOT_DEPLOYED',
    });
    await expect(
      call('createMailbox', { serverId: 'no-such-server', address: 'bob@example.org' }),
    ).rejects.toMatchObject({ code: 'NOT_DEPLOYED' });
  });

  it('plans the DNS records from the deployed server: mail host, IPv4, the DKIM keys the server made', async () => {
    const plan = await call('dnsPlan', { serverId, domain: DOMAIN });
    expect(plan.mailHost).toBe(MAIL_HOST);
    expect(plan.records.find((r) => r.kind === 'mailA')).toMatchObject({ name: MAIL_HOST, value: vps.host });
    const dkim = plan.records.filter((r) => r.kind === 'dkim');
    expect(dkim.length).toBe(2); // an RSA and an Ed25519 key, made when the domain was created
    // The values are the server's own: the control API lists the same.
    const control = new ControlClient(conn, { port: CONTROL_PORT, token: await token(), timeoutMs: 15_000 });
    const { keys } = await control.get<{
      keys: Array<{ selector: string; dns: { name: string; value: string } }>;
    }>(`/v1/domains/${DOMAIN}/dkim`);
    expect(dkim.map((r) => r.name).sort()).toEqual(keys.map((k) => k.dns.name).sort());
    expect(dkim.map((r) => r.value.replace(/\s/g, '')).sort()).toEqual(
      keys.map((k) => k.dns.value.replace(/\s/g, '')).sort(),
    );
  });

  it('requests a certificate: self-signed, then pending, then issued by pebble with its expiry', async () => {
    const before = await call('certificateStatus', { id: serverId });
    expect(before).toMatchObject({
      selfSigned: true,
      acme: { enabled: false, pending: false, lastError: null },
    });

    const asked = await call('requestCertificate', { serverId, force: false });
    expect(asked.acme).toMatchObject({ enabled: true, pending: true, lastError: null });

    // What the renderer does: poll until issued or failed.
    const t0 = Date.now();
    const issued = await waitFor('the certificate', async () => {
      const s = await call('certificateStatus', { id: serverId });
      return !s.selfSigned || s.acme?.lastError ? s : undefined;
    });
    const seconds = (Date.now() - t0) / 1000;
    expect(issued.acme?.lastError).toBeNull();
    expect(issued).toMatchObject({ selfSigned: false, acme: { enabled: true, pending: false } });
    expect(issued.issuer).toMatch(/Pebble/);
    expect(issued.altNames.sort()).toEqual([`autoconfig.${DOMAIN}`, MAIL_HOST, `mta-sts.${DOMAIN}`].sort());
    expect(issued.daysLeft).toBeGreaterThan(300);
    expect(Date.parse(issued.notAfter)).toBeGreaterThan(Date.now() + 300 * 86_400_000);
    expect(issued.acme?.lastSuccessAt).toBeTruthy();
    expect(issued.acme?.renewAfter).toBeTruthy();
    expect(acme.queries).toContain(`A ${MAIL_HOST}`);
    console.log(`certificate issued ${seconds.toFixed(1)} s after the request`);

    // Every protocol presents it, and it verifies against pebble's root for the mail host's name.
    for (const port of [993, 995, 465, 443]) {
      const presented = await waitFor(`port ${port} presenting the new certificate`, async () => {
        const p = await presentedCertificate(port);
        return p.authorized ? p : undefined;
      });
      expect(presented.issuer).toMatch(/Pebble/);
    }
  });

  it('creates the first mailbox: password shown once, client settings, the domain and recovery key in place', async () => {
    created = await call('createMailbox', { serverId, address: ADDRESS, displayName: 'Alice' });
    expect(created.mailbox).toMatchObject({ address: ADDRESS, displayName: 'Alice', state: 'active' });
    expect(created.password).toMatch(/^[a-km-zA-HJ-NP-Z2-9]{6}(-[a-km-zA-HJ-NP-Z2-9]{6}){3}$/);
    expect(created.settings).toEqual({
      address: ADDRESS,
      username: ADDRESS,
      incoming: [
        { protocol: 'imap', host: MAIL_HOST, port: 993, security: 'tls' },
        { protocol: 'pop3', host: MAIL_HOST, port: 995, security: 'tls' },
      ],
      outgoing: [
        { protocol: 'smtp', host: MAIL_HOST, port: 465, security: 'tls' },
        { protocol: 'smtp', host: MAIL_HOST, port: 587, security: 'starttls' },
      ],
      autoconfigUrl: `https://autoconfig.${DOMAIN}/mail/config-v1.1.xml`,
    });
    expect(await call('listMailboxes', { id: serverId })).toEqual([created.mailbox]);
    expect(await call('clientSettings', { serverId, address: ADDRESS })).toEqual(created.settings);
    await expect(call('clientSettings', { serverId, address: `nobody@${DOMAIN}` })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: `There is no mailbox nobody@${DOMAIN} on this server.`,
    });
    await expect(call('createMailbox', { serverId, address: ADDRESS })).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringMatching(/exists already on this server/),
    });
    // The password is nowhere on the desktop's disk; the vault holds one recovery key for the server.
    const grep = spawnSync('grep', ['-rlF', created.password, home], { encoding: 'utf8' });
    expect(grep.status, grep.stdout).toBe(1); // 1: no match
  });

  it('a real client logs in with the shown password, sends to itself over 465 and 587, reads both back', async () => {
    const { settings, password } = created;
    const marker = randomBytes(6).toString('hex');
    for (const smtp of settings.outgoing) {
      const { stdout } = await run('swaks', [
        '--server',
        vps.host,
        '--port',
        String(smtp.port),
        smtp.security === 'tls' ? '--tls-on-connect' : '--tls',
        '--ehlo',
        'laptop.example.org',
        '--auth',
        'PLAIN',
        '--auth-user',
        settings.username,
        '--auth-password',
        password,
        '--from',
        settings.address,
        '--to',
        settings.address,
        '--header',
        `Subject: hello over ${smtp.port} ${marker}`,
        '--body',
        'Bonjour Alice.',
        '--timeout',
        '30',
      ]);
      expect(stdout).toMatch(/<~? {1,2}250 /);
    }
    const subjects = await waitFor('both messages in INBOX', async () => {
      const s = await subjectsInInbox(settings, password);
      return s.filter((x) => x.endsWith(marker)).length === 2 ? s : undefined;
    });
    expect(subjects.sort()).toEqual([`hello over 465 ${marker}`, `hello over 587 ${marker}`]);

    // POP3 over TLS, the certificate verified for the settings' host name.
    const pop3 = settings.incoming.find((e) => e.protocol === 'pop3')!;
    const rootFile = join(mkdtempSync(join(tmpdir(), 'facteur-pebble-root-')), 'root.pem');
    writeFileSync(rootFile, acme.rootPem);
    const { stdout: list } = await run('curl', [
      '-sS',
      '--max-time',
      '20',
      '--cacert',
      rootFile,
      '--resolve',
      `${pop3.host}:${pop3.port}:${vps.host}`,
      '--user',
      `${settings.username}:${password}`,
      `pop3s://${pop3.host}:${pop3.port}/`,
    ]);
    expect(list.trim().split('\n')).toHaveLength(2);
  });

  it('the autoconfig file the settings point at is served, under the new certificate, with the same settings', async () => {
    const url = new URL(created.settings.autoconfigUrl);
    // The web role serves a domain added through the control API within 5 s.
    const xml = await waitFor(
      'the autoconfig file',
      () =>
        new Promise<string | undefined>((resolve, reject) => {
          request(
            {
              host: vps.host,
              port: 443,
              path: url.pathname,
              servername: url.hostname,
              headers: { host: url.hostname },
              ca: acme.rootPem,
            },
            (res) => {
              let body = '';
              res.on('data', (d: Buffer) => (body += d.toString()));
              res.on('end', () => resolve(res.statusCode === 200 ? body : undefined));
            },
          )
            .on('error', reject)
            .end();
        }),
    );
    const servers = [...xml.matchAll(/<(incoming|outgoing)Server type="(\w+)">([\s\S]*?)<\/\1Server>/g)].map(
      ([, , type, body]) => ({
        protocol: type,
        host: /<hostname>([^<]+)</.exec(body!)![1],
        port: Number(/<port>(\d+)</.exec(body!)![1]),
        security: /<socketType>SSL</.test(body!) ? 'tls' : 'starttls',
      }),
    );
    expect(servers).toEqual([...created.settings.incoming, ...created.settings.outgoing]);
    // Calendars and contacts too: the stack's web role proxies /dav/ to its dav role.
    expect(xml).toContain(`<serverURL>https://${MAIL_HOST}/.well-known/caldav</serverURL>`);
    expect(xml).toContain(`<serverURL>https://${MAIL_HOST}/.well-known/carddav</serverURL>`);
  });

  it('calendars and contacts over HTTPS on 443 with the mailbox password: python3-caldav discovers, saves, searches, asks free-busy; a vCard through CardDAV', async () => {
    const { settings, password } = created;
    const marker = randomBytes(6).toString('hex');
    const rootFile = join(mkdtempSync(join(tmpdir(), 'facteur-pebble-root-')), 'root.pem');
    writeFileSync(rootFile, acme.rootPem);
    const t0 = Date.now();
    const { stdout } = await run(
      '/usr/bin/python3',
      [
        join(ROOT, 'tests/support/dav_over_tls.py'),
        MAIL_HOST,
        vps.host,
        settings.username,
        password,
        rootFile,
        marker,
      ],
      { timeout: 60_000 },
    );
    console.log(`CalDAV + CardDAV over 443: ${Date.now() - t0} ms`);
    const out = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    // The dav role runs in the mail container and reports itself up like every role.
    const control = new ControlClient(conn, { port: CONTROL_PORT, token: await token(), timeoutMs: 15_000 });
    const health = await control.get<{ roles: Array<{ role: string; status: string }> }>('/v1/health');
    expect(health.roles.find((r) => r.role === 'dav')?.status).toBe('up');
    const dav = `https://${MAIL_HOST}/dav`;
    expect(out).toEqual({
      principal: `${dav}/principals/${ADDRESS}/`,
      calendars: [`${dav}/calendars/${ADDRESS}/default/`],
      search_april: [`vps-${marker}`],
      search_may: [],
      summary: `Dentist ${marker}`,
      freebusy: ['FREEBUSY:20250415T140000Z/20250415T150000Z'],
      carddav_redirected_to: `${dav}/`,
      books: [`${dav}/addressbooks/${ADDRESS}/default/`],
      put: 201,
      get: 200,
      same_bytes: true,
      same_etag: true,
      put_again: 412,
      query: 207,
      query_has_card: true,
      wrong_password: 401,
    });
  });

  it('the recovery key in the vault opens the server’s recovery wrap: its key, under a new password, unlocks the mail', async () => {
    const vault = new Vault(join(home, 'vault.json'), new FileKeyProvider(join(home, 'vault.key')));
    const key = await new RecoveryKeyStore(vault).get(serverId);
    expect(key).toBeDefined();
    const control = new ControlClient(conn, { port: CONTROL_PORT, token: await token(), timeoutMs: 15_000 });
    const got = await control.get<{ mailboxId: string; wrapId: string; wrap: RecoveryWrap }>(
      `/v1/mailboxes/${ADDRESS}/recovery-wrap`,
    );
    expect(got.mailboxId).toBe(created.mailbox.id);
    const mailboxKey = openRecoveryWrap(key!, got.wrap, { mailboxId: got.mailboxId, wrapId: got.wrapId });
    // The owner's reset: K wrapped under a new password (argon2id, the server's code on Node 24).
    const newPassword = `reset-${randomBytes(8).toString('hex')}`;
    const wrap = JSON.parse(
      await serverCrypto(
        READ_STDIN +
          "const { wrapWithPassword } = await import('./src/crypto/key-wraps.ts');" +
          "const wrap = await wrapWithPassword(Buffer.from(input.key, 'base64'), input.password, { mailboxId: input.mailboxId, wrapId: 'primary' });" +
          'process.stdout.write(JSON.stringify(wrap));',
        { key: mailboxKey.toString('base64'), password: newPassword, mailboxId: got.mailboxId },
      ),
    ) as unknown;
    await control.put(`/v1/mailboxes/${ADDRESS}/password-wrap`, { wrap });
    // The mailbox file opens with that K: the messages are there.
    const subjects = await subjectsInInbox(created.settings, newPassword);
    expect(subjects).toHaveLength(2);
  });
});

describe('a certificate request that fails', () => {
  it('shows the CA’s refusal in plain words, and a second request waits for its own outcome, not the old error', async () => {
    // A second domain whose names pebble cannot resolve: the forced renewal must fail.
    const control = new ControlClient(conn, { port: CONTROL_PORT, token: await token(), timeoutMs: 15_000 });
    await control.post('/v1/domains', { name: 'unknown5.test', dkim: false });
    const settle = () =>
      waitFor('the attempt to end', async () => {
        const s = await call('certificateStatus', { id: serverId });
        return s.acme?.pending ? undefined : s;
      });

    const asked = await call('requestCertificate', { serverId, force: true });
    expect(asked.acme).toMatchObject({ pending: true, lastError: null });
    const failed = await settle();
    expect(failed.acme?.lastError).toMatch(/unknown5\.test/);
    expect(failed.acme?.lastError).toMatch(/DNS|record/i);
    // The certificate in place stays.
    expect(failed).toMatchObject({ selfSigned: false, issuer: expect.stringMatching(/Pebble/) });

    // Asked again while the server still shows that error: pending until the new attempt has ended.
    const again = await call('requestCertificate', { serverId, force: true });
    expect(again.acme).toMatchObject({ pending: true, lastError: null });
    const failedAgain = await settle();
    expect(failedAgain.acme?.lastError).toMatch(/unknown5\.test/);
    expect(Date.parse(failedAgain.acme!.lastAttemptAt!)).toBeGreaterThan(
      Date.parse(failed.acme!.lastAttemptAt!),
    );
  });
});

/** The control token the test's deployment record holds (the one the stack issued). */
async function token(): Promise<string> {
  const vault = new Vault(join(home, 'vault.json'), new FileKeyProvider(join(home, 'vault.key')));
  const record = await vault.get<{ controlToken: string }>(`deployment:${serverId}`);
  return record!.controlToken;
}
