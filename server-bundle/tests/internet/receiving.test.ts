// One Facteur server (two.test on 127.0.0.3: the MX and control roles of the role runner) receiving
// mail from other hosts on loopback addresses, with an authoritative knotd for every domain:
//   - the owner's spam preferences through the control API (trusted senders, the mailbox's own
//     threshold) decide INBOX or Junk for the next message the MX accepts;
//   - the ARC chain of a forwarded message (sealed by list.test, whose key is in the DNS) is
//     verified: arc=pass, arc=fail once tampered with, arc=none without a chain.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sealMessage } from 'mailauth';
import nodemailer from 'nodemailer';
import { ControlTokens } from '../../src/control/token-store.ts';
import { MailCore } from '../../src/domain/mail-core.ts';
import { DEFAULT_CONFIG } from '../../src/run/server-config.ts';
import { http, type HttpOptions } from '../control/http-client.ts';
import { startKnot, type TestDns } from '../support/knot.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';
import { createTestCa, type TestCa } from '../support/test-ca.ts';
import { PeerStack } from './peer-stack.ts';

const root = mkdtempSync(join(tmpdir(), 'facteur-receiving-'));
const OFFSET = 20000 + Math.floor(Math.random() * 9000);
const DNS = { address: '127.0.0.53', port: 40000 + Math.floor(Math.random() * 10000) };
const pw = `bob ${randomBytes(4).toString('hex')}`;
// list.test's ARC signing key (a mailing list that forwards and seals).
const arcKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
const arcTxt = `v=DKIM1; k=rsa; p=${arcKey.publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;

let ca: TestCa;
let dns: TestDns | undefined;
let redis: TestRedis | undefined;
let two: PeerStack;
let token = '';

const control = (method: string, path: string, opts: HttpOptions = {}) =>
  http(`http://127.0.0.1:${DEFAULT_CONFIG.ports.control + OFFSET}`, method, path, { token, ...opts });

/** An SMTP client on a loopback address of its own, talking to two.test's MX. */
function sendFrom(ip: string, helo: string, from: string, raw: string | Buffer) {
  const t = nodemailer.createTransport({
    host: two.o.address,
    port: two.port(25),
    secure: false,
    ignoreTLS: true,
    localAddress: ip,
    name: helo,
  } as never);
  return t.sendMail({ envelope: { from, to: ['bob@two.test'] }, raw });
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

const subjectOf = (raw: Buffer) => /^Subject: (.*)$/im.exec(raw.toString('utf8'))?.[1]?.trim() ?? '';
const headerOf = (raw: Buffer, name: string) => {
  const head = raw.toString('utf8').split(/\r?\n\r?\n/)[0]!;
  return (
    new RegExp(`^${name}:.*(?:\\r?\\n[ \\t].*)*`, 'im').exec(head)?.[0].replace(/\r?\n[ \t]+/g, ' ') ?? ''
  );
};
const scoreOf = (raw: Buffer) => Number(/^X-Spam-Score: ([-\d.]+)/m.exec(raw.toString('utf8'))?.[1]);

/** Where bob finds the message with this subject: 'INBOX', 'Junk', or undefined (not yet). */
async function folderOf(subject: string): Promise<{ folder: 'INBOX' | 'Junk'; raw: Buffer } | undefined> {
  const inbox = (await two.messages('bob')).find((m) => subjectOf(m) === subject);
  if (inbox) return { folder: 'INBOX', raw: inbox };
  const junk = (await two.messages('bob', '\\Junk')).find((m) => subjectOf(m) === subject);
  return junk ? { folder: 'Junk', raw: junk } : undefined;
}
const landing = (subject: string) => waitFor(`"${subject}" at bob`, 15_000, () => folderOf(subject));

const message = (o: { from: string; subject: string; body: string; messageId?: boolean }) =>
  [
    `From: ${o.from}`,
    'To: bob@two.test',
    `Subject: ${o.subject}`,
    'Date: Sat, 28 Nov 2026 06:00:00 +0000',
    ...(o.messageId === false ? [] : [`Message-ID: <${randomBytes(6).toString('hex')}@sender.example>`]),
    '',
    o.body,
    '',
  ].join('\r\n');

let anyFailed = false;
beforeEach(({ onTestFailed }) => onTestFailed(() => void (anyFailed = true)));

beforeAll(async () => {
  ca = createTestCa();
  redis = await startRedis();
  two = new PeerStack({
    root: join(root, 'two'),
    domain: 'two.test',
    address: '127.0.0.3',
    portOffset: OFFSET,
    config: {
      redis: { url: redis.url, keyPrefix: 'recv:' },
      dns: { servers: [`${DNS.address}:${DNS.port}`], cacheTtlMs: 1_000 },
      inbound: { trustedClients: [], dnsbl: { zones: [], reject: true } },
    },
    tlsBundle: ca.issue(['mx.two.test']),
    users: { bob: pw },
  });
  await two.prepare();
  const core = await MailCore.open({ dataDir: two.dataDir });
  try {
    token = new ControlTokens(core.config).issue();
  } finally {
    core.close();
  }
  dns = await startKnot(
    {
      'two.test': [
        { name: '@', type: 'MX', value: '10 mx.two.test.' },
        { name: 'ns', type: 'A', value: '127.0.0.3' },
        { name: 'mx', type: 'A', value: '127.0.0.3' },
      ],
      // Only 127.0.0.9 may send for four.test and there is no DMARC record: from 127.0.0.4 its
      // mail fails SPF (+2) without being a DMARC failure, which trust could not override.
      'four.test': [{ name: '@', type: 'TXT', value: 'v=spf1 ip4:127.0.0.9 -all' }],
      // A mailing list on 127.0.0.4 that seals what it forwards (ARC key "arc").
      'list.test': [
        { name: '@', type: 'TXT', value: 'v=spf1 ip4:127.0.0.4 -all' },
        { name: 'arc._domainkey', type: 'TXT', value: arcTxt.match(/.{1,255}/g)! },
      ],
    },
    DNS,
  );
  await two.startProcess('front', ['mx', 'control']);
}, 120_000);

afterAll(async () => {
  await two?.stop();
  await dns?.stop();
  await redis?.stop();
  if (!process.env.FACTEUR_KEEP_TEST_DIRS && !anyFailed) rmSync(root, { recursive: true, force: true });
  if (ca) rmSync(ca.dir, { recursive: true, force: true });
}, 60_000);

describe('spam preferences through the control API', () => {
  // Score 7 (SPF_FAIL 2, NO_AUTHENTICATION 1.5, SUBJECT_ALL_CAPS 1, SPAM_PHRASES 1.5, MISSING_MESSAGE_ID 1):
  // over the default threshold (5), under rejectAbove (15).
  const pushy = (tag: string) =>
    message({
      from: 'Dave <dave@four.test>',
      subject: `LIMITED OFFER ${tag}`,
      body: 'Act now, this is for you.',
      messageId: false,
    });
  // Score 3.5 (SPF_FAIL, NO_AUTHENTICATION): under the default threshold.
  const plain = (tag: string) =>
    message({ from: 'Erin <erin@four.test>', subject: `minutes ${tag}`, body: 'The notes of Monday.' });

  it('starts at the server default with nobody trusted', async () => {
    const r = await control('GET', '/v1/mailboxes/bob@two.test/spam');
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      threshold: null,
      defaultThreshold: 5,
      effectiveThreshold: 5,
      rejectAbove: 15,
      trustedSenders: [],
    });
  });

  it('files a message over the threshold in Junk until the owner trusts its sender; a lowered threshold files more in Junk', async () => {
    await sendFrom('127.0.0.4', 'mail.four.test', 'dave@four.test', pushy('1'));
    await sendFrom('127.0.0.4', 'mail.four.test', 'erin@four.test', plain('1'));
    const p1 = await landing('LIMITED OFFER 1');
    expect(scoreOf(p1.raw)).toBe(7);
    expect(p1.folder).toBe('Junk');
    const m1 = await landing('minutes 1');
    expect(scoreOf(m1.raw)).toBe(3.5);
    expect(m1.folder).toBe('INBOX');

    // Bob trusts Dave (as typed in an address book: the server stores it in lower case).
    const put = await control('PUT', '/v1/mailboxes/bob@two.test/spam', {
      body: { trustedSenders: ['Dave@Four.Test'] },
    });
    expect(put.status).toBe(200);
    expect(put.json.trustedSenders).toEqual(['dave@four.test']);
    expect(put.json.threshold).toBeNull();
    await sendFrom('127.0.0.4', 'mail.four.test', 'dave@four.test', pushy('2'));
    const p2 = await landing('LIMITED OFFER 2');
    expect(scoreOf(p2.raw)).toBe(7); // still over the threshold...
    expect(p2.folder).toBe('INBOX'); // ...but trusted

    // Bob lowers his threshold to 3: Erin's 3.5 now goes to Junk; trusted Dave still reaches INBOX.
    const low = await control('PUT', '/v1/mailboxes/bob@two.test/spam', { body: { threshold: 3 } });
    expect(low.json).toMatchObject({
      threshold: 3,
      effectiveThreshold: 3,
      trustedSenders: ['dave@four.test'],
    });
    await sendFrom('127.0.0.4', 'mail.four.test', 'erin@four.test', plain('2'));
    await sendFrom('127.0.0.4', 'mail.four.test', 'dave@four.test', pushy('3'));
    expect((await landing('minutes 2')).folder).toBe('Junk');
    expect((await landing('LIMITED OFFER 3')).folder).toBe('INBOX');

    // Dave is no longer trusted (by id this time), and the default comes back: Junk for him, INBOX for Erin.
    const bobId = (await control('GET', '/v1/mailboxes/bob@two.test')).json.mailbox.id as string;
    const del = await control('DELETE', `/v1/mailboxes/${bobId}/spam/trusted/dave%40four.test`);
    expect(del.status).toBe(204);
    const reset = await control('PUT', `/v1/mailboxes/${bobId}/spam`, { body: { threshold: null } });
    expect(reset.json).toMatchObject({ threshold: null, effectiveThreshold: 5, trustedSenders: [] });
    await sendFrom('127.0.0.4', 'mail.four.test', 'dave@four.test', pushy('4'));
    await sendFrom('127.0.0.4', 'mail.four.test', 'erin@four.test', plain('3'));
    expect((await landing('LIMITED OFFER 4')).folder).toBe('Junk');
    expect((await landing('minutes 3')).folder).toBe('INBOX');

    // A whole domain can be trusted too (one sender added: POST).
    const dom = await control('POST', '/v1/mailboxes/bob@two.test/spam/trusted', {
      body: { sender: '@four.test' },
    });
    expect(dom.status).toBe(201);
    expect(dom.json.trustedSenders).toEqual(['@four.test']);
    await sendFrom('127.0.0.4', 'mail.four.test', 'dave@four.test', pushy('5'));
    expect((await landing('LIMITED OFFER 5')).folder).toBe('INBOX');
    await control('PUT', '/v1/mailboxes/bob@two.test/spam', { body: { trustedSenders: [] } });
  }, 90_000);

  it('refuses bad input with a 400 that names the field, and unknown mailboxes with a 404', async () => {
    const put = (body: unknown) => control('PUT', '/v1/mailboxes/bob@two.test/spam', { body });
    const cases: Array<[unknown, RegExp]> = [
      [{ threshold: 1000 }, /^threshold must be between -10 and 100$/],
      [{ threshold: '5' }, /^threshold must be a number$/],
      [{ trustedSenders: 'dave@four.test' }, /^trustedSenders must be a list$/],
      [
        { trustedSenders: ['dave'] },
        /^trustedSenders\[0\] must be an address \(name@example\.org\) or a whole domain/,
      ],
      [{ trustedSenders: ['ok@four.test', '@localhost'] }, /^trustedSenders\[1\] must be an address/],
      [{ trustedSenders: ['a b@four.test'] }, /^trustedSenders\[0\] must be an address/],
      [
        { trustedSenders: Array.from({ length: 501 }, (_, i) => `s${i}@four.test`) },
        /must hold 0 to 500 items/,
      ],
      [{ junk: true }, /^junk is not a known field$/],
    ];
    for (const [body, message] of cases) {
      const r = await put(body);
      expect(r.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(r.json.error.code).toBe('INVALID');
      expect(r.json.error.message).toMatch(message);
    }
    const bad = await control('POST', '/v1/mailboxes/bob@two.test/spam/trusted', { body: { sender: 'x@' } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/^sender must be an address/);
    // Nothing was stored by the refused requests.
    expect((await control('GET', '/v1/mailboxes/bob@two.test/spam')).json).toMatchObject({
      threshold: null,
      trustedSenders: [],
    });
    expect((await control('GET', '/v1/mailboxes/nobody@two.test/spam')).status).toBe(404);
    expect(
      (await control('PUT', '/v1/mailboxes/nobody@two.test/spam', { body: { threshold: 2 } })).status,
    ).toBe(404);
    expect((await control('DELETE', '/v1/mailboxes/bob@two.test/spam/trusted/zed%40four.test')).status).toBe(
      404,
    );
    expect((await control('GET', '/v1/mailboxes/bob@two.test/spam', { token: null })).status).toBe(401);
  });
});

describe('ARC', () => {
  /** A message from the list, sealed as list.test would seal what it forwards (i=1, cv=none). */
  async function sealed(subject: string): Promise<{ seal: Buffer; raw: string }> {
    const raw = message({
      from: 'Frank <frank@list.test>',
      subject,
      body: 'Minutes of the list meeting, forwarded to every member.',
    });
    const seal = await sealMessage(Buffer.from(raw), {
      signingDomain: 'list.test',
      selector: 'arc',
      privateKey: arcKey.privateKey.export({ type: 'pkcs8', format: 'pem' }),
      authResults: 'mx.list.test; spf=pass smtp.mailfrom=frank@list.test',
      cv: 'none',
    });
    expect(seal.toString()).toMatch(/^ARC-Seal: i=1; a=rsa-sha256; .*cv=none/m);
    return { seal, raw };
  }

  it('verifies a sealed chain: arc=pass in Authentication-Results', async () => {
    const { seal, raw } = await sealed('arc intact');
    await sendFrom(
      '127.0.0.4',
      'lists.list.test',
      'frank@list.test',
      Buffer.concat([seal, Buffer.from(raw)]),
    );
    const got = await landing('arc intact');
    expect(headerOf(got.raw, 'Authentication-Results')).toMatch(
      /^Authentication-Results: mx\.two\.test;.* arc=pass \(i=1/,
    );
  });

  it('reports arc=fail for a message changed after it was sealed', async () => {
    const { seal, raw } = await sealed('arc tampered');
    const changed = raw.replace('every member', 'every member (and a link to click)');
    await sendFrom(
      '127.0.0.4',
      'lists.list.test',
      'frank@list.test',
      Buffer.concat([seal, Buffer.from(changed)]),
    );
    const got = await landing('arc tampered');
    const ar = headerOf(got.raw, 'Authentication-Results');
    expect(ar).toMatch(/ arc=fail/);
    expect(ar).not.toMatch(/arc=pass/);
  });

  it('says arc=none for a message without a chain', async () => {
    await sendFrom(
      '127.0.0.4',
      'lists.list.test',
      'frank@list.test',
      message({ from: 'Frank <frank@list.test>', subject: 'no arc', body: 'Direct.' }),
    );
    const ar = headerOf((await landing('no arc')).raw, 'Authentication-Results');
    expect(ar).toMatch(/spf=pass/);
    expect(ar).toMatch(/; arc=none/);
  });
});
