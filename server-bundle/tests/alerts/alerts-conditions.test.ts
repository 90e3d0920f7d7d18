// The other alert conditions through the real jobs role: a certificate with 1 day left (issued by
// a throwaway CA, installed as ACME installs one), a failed then a successful backup (the
// backup-status.json hook), the server's address listed on a DNS blocklist served by a local
// responder, and the same listing seen through a public resolver (unknown: never an alert).
// A remote owner address gets each email through the sealed outbound queue, DKIM-signed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBackupStatus } from '../../src/alerts/backup-status.ts';
import { startControlHarness, type ControlHarness } from '../control/control-harness.ts';
import { startDnsResponder, type DnsRecords, type DnsResponder } from '../acme/dns-responder.ts';
import { PASSWORD } from '../protocols/mail-stack.ts';
import { createTestCa } from '../support/test-ca.ts';
import {
  alertRounds,
  OWNER,
  ownerInbox,
  startJobsWithAlerts,
  waitForInbox,
  type RunningJobsRole,
} from './alert-harness.ts';

const LISTED = '7.113.0.203.bl.test'; // 203.0.113.7 reversed, in the bl.test zone
let h: ControlHarness;
let dns: DnsResponder;
const records: DnsRecords = {};
let jobs: RunningJobsRole | undefined;

beforeAll(async () => {
  h = await startControlHarness();
  await h.core.accounts.createMailbox({
    address: OWNER,
    password: PASSWORD,
    recoveryPublicKey: h.owner.publicKey.bytes,
  });
  expect((await h.call('POST', '/v1/domains/example.com/dkim', { body: {} })).status).toBe(201);
  dns = await startDnsResponder(records);
}, 60_000);

afterAll(async () => {
  await jobs?.stop();
  await dns?.stop();
  await h?.stop();
});

const last = async () => (await ownerInbox(h)).at(-1)!;

describe('alert conditions', () => {
  it('certificate, backup and blocklist: one email per change, a copy queued for a remote owner', async () => {
    await h.call('PUT', '/v1/alerts/settings', { body: { to: [OWNER, 'boss@far.test'] } });
    jobs = await startJobsWithAlerts(h, {
      blocklists: ['bl.test'],
      blocklistResolver: [`127.0.0.1:${dns.port}`],
      blocklistAddresses: ['203.0.113.7'],
      blocklistIntervalMs: 0,
    });
    await alertRounds(h, 3);
    expect(await ownerInbox(h)).toEqual([]);
    expect(dns.queries).toContain(`A ${LISTED}`); // asked, answered NXDOMAIN: clean

    // Listed, then delisted.
    records[LISTED] = { a: ['127.0.0.2'] };
    let mail = await waitForInbox(h, 1);
    expect(mail[0]!.subject).toBe('[mail.example.com] The server is on a blocklist');
    expect(mail[0]!.source).toContain('203.0.113.7 on bl.test');
    delete records[LISTED];
    mail = await waitForInbox(h, 2);
    expect(mail[1]!.subject).toBe('[mail.example.com] The server is off the blocklists');

    // A failed backup, then a good one.
    await writeBackupStatus(h.dataDir, { ok: false, message: 'the destination refused the upload' });
    mail = await waitForInbox(h, 3);
    expect(mail[2]!.subject).toBe('[mail.example.com] The last backup failed');
    expect(mail[2]!.source).toContain('failed: the destination refused the upload');
    await writeBackupStatus(h.dataDir, { ok: true });
    mail = await waitForInbox(h, 4);
    expect(mail[3]!.subject).toBe('[mail.example.com] Backups work again');

    // A certificate with one day left (2-day CA certificate), then the long one back.
    const pemPath = join(h.dataDir, 'tls', 'server.pem');
    const original = readFileSync(pemPath, 'utf8');
    const short = createTestCa().issue(['mail.example.com']);
    const split = (pem: string) => ({
      key: /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]+?-----END [A-Z ]*PRIVATE KEY-----/.exec(pem)![0] + '\n',
      cert: pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)!.join('\n') + '\n',
    });
    await jobs.ctx.tls.replace(split(short));
    mail = await waitForInbox(h, 5);
    expect(mail[4]!.subject).toBe('[mail.example.com] The certificate expires in 1 day');
    await jobs.ctx.tls.replace(split(original));
    mail = await waitForInbox(h, 6);
    expect(mail[5]!.subject).toMatch(
      /^\[mail\.example\.com\] The certificate is valid again \(\d+ days left\)$/,
    );

    await alertRounds(h, 4);
    expect(await ownerInbox(h)).toHaveLength(6);

    // Each email also went to the remote owner through the queue: null sender, DKIM-signed.
    const entries = await h.outbound.list();
    expect(entries).toHaveLength(6);
    for (const e of entries) {
      const q = await h.outbound.read(e.id);
      expect(q.envelope).toMatchObject({ mailFrom: '', rcptTo: ['boss@far.test'], alert: true });
      const raw = q.raw.toString('utf8');
      expect(raw).toMatch(/^DKIM-Signature: .*d=example\.com/m);
      expect(raw).toMatch(/^To: owner@example\.com, boss@far\.test\r$/m);
    }
  }, 90_000);

  it('through a public resolver the blocklists are unknown: no email, not even a query', async () => {
    await jobs!.stop();
    records[LISTED] = { a: ['127.0.0.2'] };
    const asked = dns.queries.length;
    jobs = await startJobsWithAlerts(h, {
      blocklists: ['bl.test'],
      blocklistResolver: ['8.8.8.8'],
      blocklistAddresses: ['203.0.113.7'],
      blocklistIntervalMs: 0,
    });
    await alertRounds(h, 5);
    expect(await ownerInbox(h)).toHaveLength(6);
    expect(dns.queries.length).toBe(asked);
    const state = (await h.call('GET', '/v1/alerts')).json as {
      conditions: Array<{ id: string; status: string; observed: string; note: string }>;
    };
    expect(state.conditions.find((c) => c.id === 'blocklist')).toMatchObject({
      status: 'ok', // the last known state stands
      observed: 'unknown',
      note: expect.stringContaining('8.8.8.8') as unknown,
    });
    expect((await last()).subject).toMatch(/certificate is valid again/);
  }, 60_000);
});
