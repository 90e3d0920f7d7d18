// Two Facteur servers talking over SMTP like two hosts on the internet: one.test on 127.0.0.2 and
// two.test on 127.0.0.3, each the dev `stack` (Redis + a process per role, outbound included),
// with an authoritative knotd on 127.0.0.53:5353 holding MX, SPF, DKIM (RSA + Ed25519), DMARC
// (p=reject) and MTA-STS (enforce) records for both, and certificates from a throwaway CA so
// MTA-STS and STARTTLS are verified for real. The 5-day retry policy is compressed into seconds.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { startKnot, type TestDns, type ZoneRecord } from '../support/knot.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';
import { createTestCa, type TestCa } from '../support/test-ca.ts';
import { MailCore } from '../../src/domain/mail-core.ts';
import { SpamPreferences } from '../../src/inbound/spam-prefs.ts';
import { PeerStack } from './peer-stack.ts';

const root = mkdtempSync(join(tmpdir(), 'facteur-two-servers-'));
const base = 20000 + Math.floor(Math.random() * 4000);
const OFFSET = { one: base, two: base + 5000 };
const pw = { alice: `alice ${randomBytes(4).toString('hex')}`, bob: `bob ${randomBytes(4).toString('hex')}` };
const DNS = { address: '127.0.0.53', port: 40000 + Math.floor(Math.random() * 10000) };

let ca: TestCa;
let dns: TestDns | undefined;
let redis: TestRedis | undefined;
let one: PeerStack;
let two: PeerStack;

function peerConfig(peerOffset: number, prefix: string) {
  return {
    redis: { url: redis!.url, keyPrefix: `${prefix}:` },
    dns: { servers: [`${DNS.address}:${DNS.port}`], cacheTtlMs: 1_000 },
    outbound: {
      concurrency: 8,
      scanIntervalMs: 200,
      deliveryPort: 25 + peerOffset,
      connectTimeoutMs: 2_000,
      commandTimeoutMs: 10_000,
      idleConnectionMs: 500,
      retry: {
        firstDelayMs: 300,
        factor: 2,
        maxDelayMs: 1_000,
        giveUpAfterMs: 120_000,
        delayNoticeAfterMs: 60_000,
      },
      mtaSts: { enabled: true, httpsPort: 443 + peerOffset, fetchTimeoutMs: 3_000 },
      // Entries the SIGKILLed process held are taken over once their lease runs out.
      lease: { ttlMs: 2_000, renewEveryMs: 500 },
    },
    inbound: { trustedClients: [], dnsbl: { zones: [], reject: true } },
    mtaSts: { mode: 'enforce', mx: [], maxAgeSeconds: 86_400 },
  };
}

function zone(p: PeerStack, ip: string): ZoneRecord[] {
  return [
    { name: '@', type: 'MX', value: `10 mx.${p.o.domain}.` },
    { name: 'ns', type: 'A', value: ip },
    { name: 'mx', type: 'A', value: ip },
    { name: 'mta-sts', type: 'A', value: ip },
    { name: '@', type: 'TXT', value: `v=spf1 ip4:${ip} -all` },
    { name: '_dmarc', type: 'TXT', value: 'v=DMARC1; p=reject; adkim=r; aspf=r' },
    { name: '_mta-sts', type: 'TXT', value: 'v=STSv1; id=2026112801' },
    ...p.dkim.map((k) => ({
      name: k.dns.name.replace(`.${p.o.domain}`, ''),
      type: 'TXT' as const,
      value: k.dns.chunks,
    })),
  ];
}

function submitter(p: PeerStack, user: string, password: string) {
  return nodemailer.createTransport({
    host: p.o.address,
    port: p.port(465),
    secure: true,
    tls: { rejectUnauthorized: false },
    auth: { user: `${user}@${p.o.domain}`, pass: password },
    pool: true,
    maxConnections: 4,
  });
}

async function waitFor<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

const queueCount = (p: PeerStack) => {
  try {
    return readdirSync(join(p.dataDir, 'outbound')).filter((n) => n.endsWith('.msg')).length;
  } catch {
    return 0;
  }
};

const subjectOf = (raw: Buffer) => /^Subject: (.*)$/im.exec(raw.toString('utf8'))?.[1]?.trim() ?? '';
const arOf = (raw: Buffer) => {
  const head = raw.toString('utf8').split(/\r?\n\r?\n/)[0]!;
  return /^Authentication-Results:.*(?:\r?\n[ \t].*)*/im.exec(head)?.[0].replace(/\r?\n[ \t]+/g, ' ') ?? '';
};

let anyFailed = false;
beforeEach(({ onTestFailed }) => onTestFailed(() => void (anyFailed = true)));

beforeAll(async () => {
  ca = createTestCa();
  redis = await startRedis();
  one = new PeerStack({
    root: join(root, 'one'),
    domain: 'one.test',
    address: '127.0.0.2',
    portOffset: OFFSET.one,
    config: {
      ...peerConfig(OFFSET.two, 'one'),
      outbound: {
        ...peerConfig(OFFSET.two, 'one').outbound,
        localAddress: '127.0.0.2',
        tlsCaFile: ca.certPath,
      },
    },
    tlsBundle: ca.issue(['mx.one.test', 'mta-sts.one.test']),
    users: { alice: pw.alice },
  });
  two = new PeerStack({
    root: join(root, 'two'),
    domain: 'two.test',
    address: '127.0.0.3',
    portOffset: OFFSET.two,
    config: {
      ...peerConfig(OFFSET.one, 'two'),
      outbound: {
        ...peerConfig(OFFSET.one, 'two').outbound,
        localAddress: '127.0.0.3',
        tlsCaFile: ca.certPath,
      },
    },
    tlsBundle: ca.issue(['mx.two.test', 'mta-sts.two.test']),
    users: { bob: pw.bob },
  });
  await one.prepare();
  await two.prepare();
  dns = await startKnot(
    {
      'one.test': zone(one, '127.0.0.2'),
      'two.test': zone(two, '127.0.0.3'),
      // A third sender (no Facteur): SPF allows 127.0.0.4, no DKIM, DMARC p=quarantine.
      'three.test': [
        { name: '@', type: 'TXT', value: 'v=spf1 ip4:127.0.0.4 -all' },
        { name: '_dmarc', type: 'TXT', value: 'v=DMARC1; p=quarantine' },
      ],
    },
    DNS,
  );
  await Promise.all([one.start(), two.start()]);
}, 120_000);

afterAll(async () => {
  await Promise.allSettled([one?.stop(), two?.stop()]);
  await dns?.stop();
  await redis?.stop();
  // Logs stay for a failed run (FACTEUR_KEEP_TEST_DIRS=1 keeps them always).
  if (!process.env.FACTEUR_KEEP_TEST_DIRS && !anyFailed) rmSync(root, { recursive: true, force: true });
  if (ca) rmSync(ca.dir, { recursive: true, force: true });
}, 60_000);

describe('two Facteur servers', () => {
  it('delivers one.test -> two.test with dkim=pass, spf=pass, dmarc=pass (MTA-STS enforced, TLS verified)', async () => {
    const t = submitter(one, 'alice', pw.alice);
    const subject = `hello two ${randomBytes(4).toString('hex')}`;
    await t.sendMail({
      from: 'Alice <alice@one.test>',
      to: 'bob@two.test',
      subject,
      text: 'Signed, sealed, delivered.',
    });
    t.close();
    const got = await waitFor('the message at bob', 30_000, async () =>
      (await two.messages('bob')).find((m) => subjectOf(m) === subject),
    );
    const ar = arOf(got);
    expect(ar).toMatch(/^Authentication-Results: mx\.two\.test;/);
    expect(ar).toMatch(/dkim=pass header\.i=@one\.test header\.s=t1-rsa header\.a=rsa-sha256/);
    expect(ar).toMatch(/dkim=pass header\.i=@one\.test header\.s=t1-ed header\.a=ed25519-sha256/);
    expect(ar).toMatch(/spf=pass[^;]*smtp\.mailfrom=(alice@)?one\.test/);
    expect(ar).toMatch(/dmarc=pass[^;]*header\.from=one\.test/);
    expect(got.toString()).toMatch(/^X-Spam-Score: /m);
    expect(queueCount(one)).toBe(0); // deleted once delivered
    // It went over verified TLS: one fetched two's MTA-STS policy (enforce), which allows nothing else.
    expect(readFileSync(join(one.o.root, 'stack.log'), 'utf8')).toMatch(
      /"event":"outbound.mta_sts_policy".*"domain":"two.test","mode":"enforce"/,
    );
  });

  it('refuses a forged message claiming one.test at two.test (DMARC p=reject, at DATA)', async () => {
    const forger = nodemailer.createTransport({
      host: two.o.address,
      port: two.port(25),
      secure: false,
      ignoreTLS: true,
      localAddress: '127.0.0.4',
      name: 'forger.example',
    } as never);
    const err = await forger
      .sendMail({
        envelope: { from: 'alice@one.test', to: ['bob@two.test'] },
        raw: 'From: Alice <alice@one.test>\r\nTo: bob@two.test\r\nSubject: wire the money\r\nDate: Sat, 28 Nov 2026 05:00:00 +0000\r\nMessage-ID: <f1@one.test>\r\n\r\nPlease.\r\n',
      })
      .then(
        () => undefined,
        (e: { responseCode?: number; response?: string }) => e,
      );
    expect(err?.responseCode).toBe(550);
    expect(err?.response).toMatch(/5\.7\.1 .*DMARC.*one\.test/);
    expect((await two.messages('bob')).some((m) => subjectOf(m) === 'wire the money')).toBe(false);
  });

  it('files DMARC p=quarantine failures and scores over the mailbox threshold in Junk, unless the sender is trusted', async () => {
    const from = (ip: string) =>
      nodemailer.createTransport({
        host: two.o.address,
        port: two.port(25),
        secure: false,
        ignoreTLS: true,
        localAddress: ip,
        name: 'mail.three.test',
      } as never);
    const raw = (subject: string) =>
      `From: Carol <carol@three.test>\r\nTo: bob@two.test\r\nSubject: ${subject}\r\nDate: Sat, 28 Nov 2026 06:00:00 +0000\r\nMessage-ID: <${randomBytes(6).toString('hex')}@three.test>\r\n\r\nHello Bob.\r\n`;
    const send = (ip: string, subject: string) =>
      from(ip).sendMail({ envelope: { from: 'carol@three.test', to: ['bob@two.test'] }, raw: raw(subject) });
    // 127.0.0.5 is not in three.test's SPF: DMARC fails, and p=quarantine means Junk (accepted, 250).
    await send('127.0.0.5', 'quarantined');
    const q = await waitFor('the quarantined message in Junk', 15_000, async () =>
      (await two.messages('bob', '\\Junk')).find((m) => subjectOf(m) === 'quarantined'),
    );
    expect(arOf(q)).toMatch(/spf=fail/);
    expect(arOf(q)).toMatch(/dmarc=fail/);
    expect(q.toString()).toMatch(/^X-Spam-Score: [\d.]+ \(.*DMARC_FAIL=3/m);
    // From an allowed address DMARC passes (score -1): a strict threshold of -2 still files it in Junk...
    const core = await MailCore.open({ dataDir: two.dataDir });
    const prefs = new SpamPreferences(core.config);
    const bobId = core.config.findMailbox('bob@two.test')!.id;
    try {
      prefs.setThreshold(bobId, -2);
      await send('127.0.0.4', 'strict threshold');
      await waitFor('the message in Junk', 15_000, async () =>
        (await two.messages('bob', '\\Junk')).find((m) => subjectOf(m) === 'strict threshold'),
      );
      // ...until Bob trusts Carol.
      prefs.trust(bobId, 'carol@three.test');
      await send('127.0.0.4', 'trusted sender');
      const t = await waitFor('the trusted message in INBOX', 15_000, async () =>
        (await two.messages('bob')).find((m) => subjectOf(m) === 'trusted sender'),
      );
      expect(arOf(t)).toMatch(/dmarc=pass/);
    } finally {
      prefs.setThreshold(bobId, null);
      prefs.untrust(bobId, 'carol@three.test');
      core.close();
    }
  });

  it('bounces an unknown recipient into the sender INBOX (RFC 3464)', async () => {
    const t = submitter(one, 'alice', pw.alice);
    const subject = `to nobody ${randomBytes(4).toString('hex')}`;
    await t.sendMail({ from: 'alice@one.test', to: 'nobody@two.test', subject, text: 'Anyone?' });
    t.close();
    const dsn = await waitFor('the bounce in alice INBOX', 30_000, async () =>
      (await one.messages('alice')).find(
        (m) =>
          subjectOf(m).startsWith('Undelivered Mail Returned to Sender') && m.toString().includes(subject),
      ),
    );
    const text = dsn.toString();
    expect(text).toMatch(/Content-Type: multipart\/report; report-type=delivery-status/);
    expect(text).toMatch(/Final-Recipient: rfc822; nobody@two\.test/);
    expect(text).toMatch(/Action: failed/);
    expect(text).toMatch(/Status: 5\.1\.1/);
    expect(text).toMatch(/Remote-MTA: dns; mx\.two\.test/);
    expect(text).toMatch(/Diagnostic-Code: smtp; 550/);
    expect(queueCount(one)).toBe(0);
  });

  it('queues while two.test is down, retries, and delivers once it is back', async () => {
    await two.stop();
    const t = submitter(one, 'alice', pw.alice);
    const subject = `while you were out ${randomBytes(4).toString('hex')}`;
    await t.sendMail({ from: 'alice@one.test', to: 'bob@two.test', subject, text: 'I will wait.' });
    t.close();
    // Several attempts fail (connection refused) and the entry stays, with its sealed state.
    await waitFor('two failed attempts', 15_000, async () => {
      const names = readdirSync(join(one.dataDir, 'outbound'));
      return names.some((n) => n.endsWith('.state')) ? true : undefined;
    });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(queueCount(one)).toBe(1);
    await two.start();
    const got = await waitFor('the queued message at bob', 30_000, async () =>
      (await two.messages('bob')).find((m) => subjectOf(m) === subject),
    );
    expect(arOf(got)).toMatch(/dmarc=pass/);
    await waitFor('an empty queue', 10_000, async () => (queueCount(one) === 0 ? true : undefined));
    expect(readdirSync(join(one.dataDir, 'outbound')).filter((n) => n.endsWith('.state'))).toEqual([]);
  }, 90_000);

  it('loses nothing when the outbound role is SIGKILLed mid-delivery; duplicates stay within the in-flight bound', async () => {
    const N = 120;
    const tag = randomBytes(3).toString('hex');
    // Hold delivery back until everything is queued: stop two, queue N, then let it flow.
    await two.stop();
    const t = submitter(one, 'alice', pw.alice);
    await Promise.all(
      Array.from({ length: N }, (_, i) =>
        t.sendMail({
          from: 'alice@one.test',
          to: 'bob@two.test',
          subject: `crash ${tag} #${i}`,
          text: `message ${i}`,
        }),
      ),
    );
    t.close();
    expect(queueCount(one)).toBe(N);
    await two.start();
    // Kill the outbound process while part of the queue is delivered and part is not.
    await waitFor('delivery under way', 30_000, async () => (queueCount(one) < N - 5 ? true : undefined));
    one.crash('outbound');
    const leftAtKill = queueCount(one);
    expect(leftAtKill).toBeGreaterThan(0);
    // Restarted as the supervisor (Docker, the dev stack) would; the rest goes out.
    await one.startOutbound();
    await waitFor('an empty queue after the restart', 60_000, async () =>
      queueCount(one) === 0 ? true : undefined,
    );
    const counts = new Map<number, number>();
    await waitFor(`${N} distinct messages at bob`, 30_000, async () => {
      counts.clear();
      for (const m of await two.messages('bob')) {
        const s = subjectOf(m);
        if (!s.startsWith(`crash ${tag} #`)) continue;
        const i = Number(s.slice(`crash ${tag} #`.length));
        counts.set(i, (counts.get(i) ?? 0) + 1);
      }
      return counts.size === N ? true : undefined;
    });
    const duplicates = [...counts.values()].reduce((a, c) => a + c - 1, 0);
    console.log(
      `outbound SIGKILL: ${N} queued, ${leftAtKill} left at the kill, ${counts.size} distinct delivered, ${duplicates} duplicates`,
    );
    for (let i = 0; i < N; i++) expect(counts.get(i) ?? 0).toBeGreaterThanOrEqual(1);
    // At-least-once: only messages in flight at the kill (≤ outbound.concurrency) may arrive twice.
    expect(duplicates).toBeLessThanOrEqual(8);
  }, 180_000);
});
