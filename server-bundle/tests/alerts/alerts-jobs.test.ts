// Alert emails from the jobs role, end to end with real parts: Redis heartbeats, the jobs role
// opened from its role context, the owner's mailbox filled through the sealed spool and read back
// over IMAP, the control API over HTTP. One email per state change, none for the first OK
// observation, none in the rounds after, none again after a restart of the jobs role.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoleHeartbeats, type RoleHeartbeats } from '../../src/metrics/heartbeat.ts';
import { verifyMessage } from '../../src/mailauth/mailauth-adapter.ts';
import { PASSWORD } from '../protocols/mail-stack.ts';
import { startControlHarness, type ControlHarness } from '../control/control-harness.ts';
import {
  alertRounds,
  OWNER,
  ownerInbox,
  startJobsWithAlerts,
  waitForInbox,
  type RunningJobsRole,
} from './alert-harness.ts';

let h: ControlHarness;
let jobs: RunningJobsRole | undefined;
let pop3: RoleHeartbeats | undefined;
let dkimTxt: Record<string, string> = {};

beforeAll(async () => {
  h = await startControlHarness();
  await h.core.accounts.createMailbox({
    address: OWNER,
    password: PASSWORD,
    recoveryPublicKey: h.owner.publicKey.bytes,
  });
  const keys = await h.call('POST', '/v1/domains/example.com/dkim', { body: {} });
  expect(keys.status).toBe(201);
  const dkim = keys.json as { keys: Array<{ dns: { name: string; value: string } }> };
  dkimTxt = Object.fromEntries(dkim.keys.map((k) => [k.dns.name, k.dns.value]));
}, 60_000);

afterAll(async () => {
  await pop3?.stop();
  await jobs?.stop();
  await h?.stop();
});

const subjects = (mail: Array<{ subject: string }>) => mail.map((m) => m.subject);

async function dkimResults(source: string): Promise<string[]> {
  const v = await verifyMessage(Buffer.from(source), {
    ip: '192.0.2.1',
    helo: 'mail.example.com',
    sender: '',
    authservId: 'check.test',
    resolver: async (name: string, type: string) => {
      if (type === 'TXT' && dkimTxt[name]) return [[dkimTxt[name]]];
      throw Object.assign(new Error('no data'), { code: 'ENOTFOUND' });
    },
  });
  return v.dkim.map((d) => d.result);
}

describe('alerts in the jobs role', () => {
  it('a stopped role: one "down" email, one "back" email, nothing in between or after', async () => {
    const put = await h.call('PUT', '/v1/alerts/settings', { body: { to: [' owner@Example.COM '] } });
    expect(put.status).toBe(200);
    expect(put.json).toEqual({ to: [OWNER] });

    pop3 = await startRoleHeartbeats(h.redisConn, ['pop3'], { intervalMs: 50, version: 'test' });
    jobs = await startJobsWithAlerts(h, {});
    await alertRounds(h, 3);
    expect(await ownerInbox(h)).toEqual([]); // first observations all OK (or unknown): no email

    const before = (await h.call('GET', '/v1/alerts')).json as {
      enabled: boolean;
      to: string[];
      conditions: Array<{ id: string; status: string | null; observed: string; lastSent: unknown }>;
    };
    expect(before.enabled).toBe(true);
    expect(before.to).toEqual([OWNER]);
    const byId = Object.fromEntries(before.conditions.map((c) => [c.id, c]));
    expect(byId['role:pop3']).toMatchObject({ status: 'ok', observed: 'ok', lastSent: null });
    expect(byId['role:mx']).toMatchObject({ status: null, observed: 'unknown' }); // never ran here
    expect(byId['disk']).toMatchObject({ status: 'ok' });
    expect(byId['certificate']).toMatchObject({ status: 'ok' });
    expect(byId['backup']).toMatchObject({ status: null, observed: 'unknown' });
    expect(byId['blocklist']).toBeUndefined(); // no zones configured

    const stoppedAt = Date.now();
    await pop3.stop();
    pop3 = undefined;
    const down = await waitForInbox(h, 1);
    expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(300); // roleDownAfterMs: a restart is not an alert
    expect(subjects(down)).toEqual(['[mail.example.com] The pop3 role is down']);
    const src = down[0]!.source;
    expect(src).toMatch(/^From: "Facteur \(mail\.example\.com\)" <postmaster@example\.com>\r$/m);
    expect(src).toMatch(/^To: owner@example\.com\r$/m);
    expect(src).toMatch(/^Date: \w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000\r$/m);
    expect(src).toMatch(/^Message-ID: <alert-[0-9a-z]+-[0-9a-f]{16}@mail\.example\.com>\r$/m);
    expect(src).toMatch(/^Auto-Submitted: auto-generated\r$/m);
    expect(src).toContain('The pop3 role of your mail server was stopped at');
    expect(src).toContain('What to do:');
    expect(src).toContain('Content-Type: text/html');
    expect(await dkimResults(src)).toEqual(['pass', 'pass']); // RSA + Ed25519 of example.com

    await alertRounds(h, 4);
    expect(subjects(await ownerInbox(h))).toHaveLength(1);

    pop3 = await startRoleHeartbeats(h.redisConn, ['pop3'], { intervalMs: 50, version: 'test' });
    const back = await waitForInbox(h, 2);
    expect(subjects(back)).toEqual([
      '[mail.example.com] The pop3 role is down',
      '[mail.example.com] The pop3 role is back',
    ]);
    expect(back[1]!.source).toMatch(/The problem began .* and lasted \d+ seconds/);
    await alertRounds(h, 4);
    expect(await ownerInbox(h)).toHaveLength(2);

    const after = (await h.call('GET', '/v1/alerts')).json as {
      conditions: Array<{ id: string; status: string; lastSent: { kind: string; to: string[] } | null }>;
    };
    expect(after.conditions.find((c) => c.id === 'role:pop3')).toMatchObject({
      status: 'ok',
      lastSent: { kind: 'recovered', to: [OWNER] },
    });
  }, 60_000);

  it('a restarted jobs role sends nothing again; a disk threshold of 1 % sends one email', async () => {
    await jobs!.stop();
    jobs = await startJobsWithAlerts(h, { diskPercent: 1 });
    const mail = await waitForInbox(h, 3);
    expect(subjects(mail).slice(2)).toEqual([
      expect.stringMatching(/^\[mail\.example\.com\] The disk is \d+ % full$/),
    ]);
    expect(mail[2]!.source).toContain('alert level: 1 %');
    await alertRounds(h, 4);
    expect(await ownerInbox(h)).toHaveLength(3); // pop3 is not re-sent, the disk only once

    // Emails off: state still followed, nothing sent, nothing owed afterwards.
    expect((await h.call('PUT', '/v1/alerts/settings', { body: { to: [] } })).json).toEqual({ to: [] });
    await jobs.stop();
    jobs = await startJobsWithAlerts(h, { diskPercent: 100 });
    await alertRounds(h, 3);
    const off = (await h.call('GET', '/v1/alerts')).json as {
      enabled: boolean;
      conditions: Array<{ id: string; status: string; pending: unknown }>;
    };
    expect(off.enabled).toBe(false);
    expect(off.conditions.find((c) => c.id === 'disk')).toMatchObject({ status: 'ok', pending: null });
    expect(await ownerInbox(h)).toHaveLength(3);
  }, 60_000);

  it('refuses settings that are not addresses', async () => {
    const bad = await h.call('PUT', '/v1/alerts/settings', { body: { to: ['not an address'] } });
    expect(bad.status).toBe(400);
    const unknown = await h.call('PUT', '/v1/alerts/settings', { body: { to: [], extra: 1 } });
    expect(unknown.status).toBe(400);
    const many = await h.call('PUT', '/v1/alerts/settings', {
      body: { to: Array.from({ length: 11 }, (_, i) => `a${i}@example.com`) },
    });
    expect(many.status).toBe(400);
  });
});
