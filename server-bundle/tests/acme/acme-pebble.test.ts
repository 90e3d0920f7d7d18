// ACME against a real CA (pebble) with a local DNS responder: the web role answers the HTTP-01
// challenges, a certificate is issued for every name and installed; then a forced renewal swaps it
// while an IMAP client sits in IDLE on a connection opened before: that connection survives and
// still gets new mail, while new TLS connections (IMAP and HTTPS) present the new certificate.
// The certificate manager, the IMAP role and the web role each have their own TlsProvider on the
// same directory, as the jobs, imap and web processes do in production.
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AcmeCa, generateAccountKey } from '../../src/acme/acme-adapter.ts';
import { CertificateError } from '../../src/acme/acme-errors.ts';
import { AcmeStore } from '../../src/acme/acme-store.ts';
import { CertificateManager } from '../../src/acme/certificate-manager.ts';
import { certificateNames } from '../../src/acme/certificate-names.ts';
import { challengeDirOf, FileChallengeStore } from '../../src/acme/challenge-store.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { TlsProvider } from '../../src/tls/tls-provider.ts';
import { startWeb, type WebRole } from '../../src/web/start-web.ts';
import { message, PASSWORD, startMailStack, type MailStack } from '../protocols/mail-stack.ts';
import { freePort } from '../support/redis.ts';
import { peerCertificate } from '../web/web-client.ts';
import { startDnsResponder, type DnsResponder } from './dns-responder.ts';
import { startPebble, type Pebble } from './pebble.ts';

const MAIL = 'mail.example.com';
const NAMES = certificateNames({
  hostNames: [MAIL],
  domains: ['example.com'],
  domainPrefixes: ['mta-sts', 'autoconfig'],
});
const WATCH_MS = 100;

let stack: MailStack;
let web: WebRole;
let webTls: TlsProvider;
let dns: DnsResponder;
let pebble: Pebble;
let manager: CertificateManager;
let managerTls: TlsProvider;
let httpsPort: number;
const timings: Record<string, number> = {};

beforeAll(async () => {
  stack = await startMailStack({ mailboxes: ['alice@example.com'] });
  stack.tls.watch(WATCH_MS); // the IMAP role's provider, as role-context does with tls.watchIntervalMs
  webTls = await TlsProvider.loadOrCreate({ dir: join(stack.dataDir, 'tls') });
  webTls.watch(WATCH_MS);
  // Port 80's stand-in on 127.0.0.1 and ::1 only (so 127.0.0.2 is a host where nothing listens).
  const httpPort = await freePort();
  web = await startWeb(
    {
      listDomains: () => stack.core.config.listDomains().map((d) => d.name),
      tls: webTls,
      challenges: new FileChallengeStore(challengeDirOf(stack.dataDir)),
      log: silentLogger,
    },
    {
      listeners: [
        { host: '127.0.0.1', port: httpPort, scheme: 'http' },
        { host: '::1', port: httpPort, scheme: 'http' },
        { host: '127.0.0.1', port: 0, scheme: 'https' },
      ],
      hostNames: [MAIL],
      endpoints: { host: MAIL, imaps: 993, pop3s: 995, submissions: 465, submission: 587 },
      mtaSts: { mode: 'testing', mx: [MAIL], maxAgeSeconds: 86400 },
      httpsPort: 443,
    },
  );
  httpsPort = web.addresses.find((a) => a.scheme === 'https')!.port;
  const records: Record<string, { a?: string[]; aaaa?: string[] }> = {};
  for (const n of NAMES) records[n] = { a: ['127.0.0.1'], aaaa: ['::1'] };
  records['closed.example.com'] = { a: ['127.0.0.2'] };
  dns = await startDnsResponder(records);
  pebble = await startPebble({ httpPort, dnsPort: dns.port, env: { PEBBLE_AUTHZREUSE: '0' } });
  // The jobs role's view: its own provider on the same directory.
  managerTls = await TlsProvider.loadOrCreate({ dir: join(stack.dataDir, 'tls') });
  manager = new CertificateManager({
    store: new AcmeStore(stack.dataDir),
    challenges: new FileChallengeStore(challengeDirOf(stack.dataDir)),
    tls: managerTls,
    names: () => NAMES,
    ca: {
      directoryUrl: pebble.directoryUrl,
      caPem: pebble.apiCaPem,
      pollMinMs: 100,
      pollMaxMs: 500,
      pollAttempts: 40,
    },
    renewBeforeDays: 30,
    checkIntervalMs: 3_600_000,
    requestPollMs: 100,
    retryAfterFailureMs: 3_600_000,
    log: silentLogger,
  });
}, 60_000);

afterAll(async () => {
  await manager?.close();
  await web?.close();
  webTls?.unwatch();
  await pebble?.stop();
  await dns?.stop();
  await stack?.stop();
  console.log(JSON.stringify({ acme_pebble: timings }));
});

/** Serial number of the certificate a new TLS connection to the IMAP role gets (verified against root). */
function imapCertificate(rootPem: string): Promise<{ serial: string; authorized: boolean; error?: string }> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect(
      {
        host: '127.0.0.1',
        port: stack.port('imap', 'implicit'),
        servername: MAIL,
        ca: rootPem,
        rejectUnauthorized: false,
      },
      () => {
        const cert = s.getPeerCertificate();
        resolve({
          serial: cert.serialNumber,
          authorized: s.authorized,
          ...(s.authorizationError ? { error: String(s.authorizationError) } : {}),
        });
        s.end();
      },
    );
    s.on('error', reject);
  });
}

async function waitFor<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 5_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('ACME against pebble', () => {
  let firstSerial = '';

  it('does nothing on its own until the owner asks (self-signed stays)', async () => {
    expect(await manager.check()).toEqual({ action: 'none', reason: 'not_enabled' });
    expect((await manager.status()).selfSigned).toBe(true);
  });

  it('issues one certificate for the mail host, mta-sts. and autoconfig. and installs it in every role', async () => {
    expect(NAMES).toEqual([MAIL, 'mta-sts.example.com', 'autoconfig.example.com']);
    const started = performance.now();
    const outcome = await manager.renewNow({ force: false });
    timings.issuance_ms = Math.round(performance.now() - started);
    if (outcome.action === 'failed') throw outcome.error;
    expect(outcome.action).toBe('issued');
    const status = await manager.status();
    expect(status.selfSigned).toBe(false);
    expect(status.altNames.sort()).toEqual([...NAMES].sort());
    expect(status.issuer).toMatch(/Pebble/i);
    expect(status.daysLeft).toBeGreaterThan(30);
    expect(status.acme).toMatchObject({ enabled: true, lastError: null, directoryUrl: pebble.directoryUrl });
    expect(dns.queries.some((q) => q.endsWith(MAIL))).toBe(true); // pebble resolved through our DNS

    const root = await pebble.rootPem();
    const started2 = performance.now();
    const imap = await waitFor(
      () => imapCertificate(root),
      (c) => c.authorized,
    );
    timings.imap_picks_up_ms = Math.round(performance.now() - started2);
    expect(imap.authorized, imap.error).toBe(true);
    firstSerial = imap.serial;
    expect(firstSerial).toBe(new X509Certificate(managerTls.material.cert).serialNumber);
    const https = await waitFor(
      () => peerCertificate(httpsPort, 'mta-sts.example.com'),
      (c) => c.serialNumber === firstSerial,
    );
    expect(https.serialNumber).toBe(firstSerial);
    // State on disk: account key and status private.
    const { statSync } = await import('node:fs');
    for (const f of ['account.key', 'account.json', 'status.json'])
      expect(statSync(join(stack.dataDir, 'acme', f)).mode & 0o077, f).toBe(0);
    expect(statSync(join(stack.dataDir, 'tls', 'server.pem')).mode & 0o077).toBe(0);
    // Nothing left behind for the web role to answer.
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(challengeDirOf(stack.dataDir))).toEqual([]);
  });

  it('leaves a valid certificate alone on the scheduled check', async () => {
    expect(await manager.check()).toEqual({ action: 'none', reason: 'valid' });
  });

  it('a forced renewal swaps the certificate while an IMAP IDLE connection stays open and still gets new mail', async () => {
    const root = await pebble.rootPem();
    const client = new ImapFlow({
      host: '127.0.0.1',
      port: stack.port('imap', 'implicit'),
      secure: true,
      servername: MAIL,
      tls: { ca: [root], servername: MAIL },
      auth: { user: 'alice@example.com', pass: PASSWORD },
      logger: false,
      disableAutoIdle: true,
    } as ConstructorParameters<typeof ImapFlow>[0]);
    await client.connect();
    await client.mailboxOpen('INBOX');
    const idle = client.idle();
    await new Promise((r) => setTimeout(r, 100));
    let closed = false;
    client.on('close', () => (closed = true));

    // Through the request file, as the control API / CLI would ask the jobs role.
    await new AcmeStore(stack.dataDir).request({ force: true });
    manager.start();
    const started = performance.now();
    const renewed = await waitFor(
      () => imapCertificate(root),
      (c) => c.serial !== firstSerial,
      30_000,
    );
    timings.forced_renewal_to_new_imap_cert_ms = Math.round(performance.now() - started);
    expect(renewed.serial).not.toBe(firstSerial);
    expect(renewed.authorized, renewed.error).toBe(true);
    expect((await peerCertificate(httpsPort, MAIL)).serialNumber).toBe(renewed.serial);

    // The old connection: still open, still in IDLE, and told about new mail.
    expect(closed).toBe(false);
    const exists = new Promise<{ count: number }>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no EXISTS within 5 s')), 5_000);
      client.once('exists', (e: { count: number }) => {
        clearTimeout(t);
        resolve(e);
      });
    });
    await stack.deliver('alice@example.com', message('After renewal', 'still here'));
    expect((await exists).count).toBe(1);
    await client.logout(); // ends the IDLE
    await idle.catch(() => {});
    const status = await manager.status();
    expect(status.serialNumber).toBe(renewed.serial);
    expect(status.acme.lastError).toBeNull();
  });

  it('explains in plain words when the CA cannot reach port 80 or find the name in the DNS', async () => {
    const ca = new AcmeCa({
      directoryUrl: pebble.directoryUrl,
      accountKeyPem: generateAccountKey(),
      caPem: pebble.apiCaPem,
      pollMinMs: 100,
      pollMaxMs: 500,
      pollAttempts: 40,
    });
    await ca.register();
    const challenges = new FileChallengeStore(challengeDirOf(stack.dataDir));
    const closed = await ca.issue(['closed.example.com'], challenges).catch((e: unknown) => e);
    expect(closed).toBeInstanceOf(CertificateError);
    expect((closed as CertificateError).kind).toBe('unreachable');
    expect((closed as CertificateError).message).toMatch(
      /^The certificate authority could not reach http:\/\/closed\.example\.com\/\.well-known\/acme-challenge\/[\w-]+: check the A\/AAAA records of closed\.example\.com and that port 80 is open/,
    );
    const missing = await ca.issue(['nowhere.example.com'], challenges).catch((e: unknown) => e);
    expect((missing as CertificateError).kind).toBe('dns');
    expect((missing as CertificateError).message).toMatch(
      /could not find nowhere\.example\.com in the DNS: add its A \(and AAAA\) record/,
    );
  });

  it('records the last error for the control API, keeping the certificate it has', async () => {
    const before = managerTls.info.fingerprint256;
    const failing = new CertificateManager({
      store: new AcmeStore(stack.dataDir),
      challenges: new FileChallengeStore(challengeDirOf(stack.dataDir)),
      tls: managerTls,
      names: () => [...NAMES, 'closed.example.com'],
      ca: {
        directoryUrl: pebble.directoryUrl,
        caPem: pebble.apiCaPem,
        pollMinMs: 100,
        pollMaxMs: 500,
        pollAttempts: 40,
      },
      renewBeforeDays: 30,
      checkIntervalMs: 3_600_000,
      requestPollMs: 100,
      retryAfterFailureMs: 3_600_000,
      log: silentLogger,
    });
    const outcome = await failing.check(); // a new name is missing from the certificate: try
    expect(outcome).toMatchObject({ action: 'failed', reason: 'new names: closed.example.com' });
    const status = await failing.status();
    expect(status.acme.lastError).toMatch(/closed\.example\.com.*port 80/);
    expect(status.fingerprint256).toBe(before);
    expect(await failing.check()).toEqual({ action: 'none', reason: 'waiting_after_failure' });
    await failing.close();
  });

  it('refuses to talk to a CA whose HTTPS certificate it does not trust, saying what to set', async () => {
    const ca = new AcmeCa({
      directoryUrl: pebble.directoryUrl,
      accountKeyPem: generateAccountKey(),
      requestRetries: 0,
    });
    const err = await ca.register().catch((e: unknown) => e);
    expect((err as CertificateError).kind, (err as Error).message).toBe('ca_untrusted');
    expect((err as CertificateError).message).toMatch(/set acme\.caCertFile/);
  });
});
