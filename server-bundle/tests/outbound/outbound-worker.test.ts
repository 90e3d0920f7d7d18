// The outbound engine with a scripted remote side: retries on the configured backoff, one delay
// notice, a bounce when the retry time runs out, per-recipient outcomes, SRS for forwarded mail,
// and the entry (and its state file) deleted once nothing is left to do.
import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger } from '../../src/log/logger.ts';
import { DeliveryStates } from '../../src/outbound/delivery-state.ts';
import { OutboundWorker } from '../../src/outbound/outbound-worker.ts';
import type { RecipientOutcome } from '../../src/outbound/remote-delivery.ts';
import { SenderNotices } from '../../src/outbound/sender-notices.ts';
import { Srs } from '../../src/outbound/srs.ts';
import { OutboundQueue } from '../../src/queue/outbound-queue.ts';
import { loadOrCreateServerSecrets } from '../../src/storage/server-secrets.ts';
import { newCore, rfc822 } from '../helpers/core.ts';
import { useTmpDir } from '../helpers/tmp.ts';

const tmp = useTmpDir('facteur-outbound-');
const retry = { firstDelayMs: 60, factor: 2, maxDelayMs: 240, giveUpAfterMs: 1_500, delayNoticeAfterMs: 500 };

async function setup(script: (domain: string, to: readonly string[], from: string) => RecipientOutcome[]) {
  const dataDir = tmp();
  const { core, recovery } = await newCore(dataDir);
  await core.accounts.createMailbox({
    address: 'alice@example.com',
    password: 'pw',
    recoveryPublicKey: recovery.publicKey.bytes,
  });
  const secrets = await loadOrCreateServerSecrets(join(dataDir, 'secrets.json'));
  const queue = OutboundQueue.fromSecrets(join(dataDir, 'outbound'), secrets);
  const calls: Array<{ at: number; domain: string; to: readonly string[]; from: string }> = [];
  const worker = new OutboundWorker(
    {
      core,
      queue,
      states: DeliveryStates.fromSecrets(queue.dir, secrets),
      remote: {
        deliver: async (domain, env) => {
          calls.push({ at: Date.now(), domain, to: env.to, from: env.from });
          return script(domain, env.to, env.from);
        },
        close: () => undefined,
      },
      srs: new Srs({ key: Srs.keyFromSecrets(secrets), domain: 'mx.example.com' }),
      notices: new SenderNotices({ core, queue, reportingMta: 'mx.example.com', log: silentLogger }),
      log: silentLogger,
    },
    { concurrency: 4, scanIntervalMs: 30, retry },
  );
  const inbox = async () => {
    const s = await core.openSession('alice@example.com', 'pw');
    try {
      const f = s.view.getFolder('INBOX')!;
      return s.view.uids(f.id).map((u) => s.view.readRaw(f.id, u)!.toString());
    } finally {
      s.close();
    }
  };
  const files = () => readdirSync(queue.dir);
  return { core, queue, worker, calls, inbox, files };
}

const waitUntil = async (pred: () => boolean | Promise<boolean>, ms: number) => {
  const t0 = Date.now();
  while (!(await pred())) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('outbound worker', () => {
  it('retries with backoff, sends one delay notice, then bounces when the retry time runs out', async () => {
    const t = await setup((_d, to) =>
      to.map((address) => ({
        address,
        status: 'temporary',
        code: 451,
        text: '4.4.1 Connection refused',
        mx: 'mx.slow.example',
      })),
    );
    await t.queue.enqueue(
      {
        mailFrom: 'alice@example.com',
        rcptTo: ['bob@slow.example'],
        receivedAt: Date.now(),
        origin: 'submission',
      },
      rfc822('patience', 'hello', 'alice@example.com'),
    );
    t.worker.start();
    try {
      await waitUntil(() => t.files().filter((f) => f.endsWith('.msg')).length === 0, 10_000);
    } finally {
      await t.worker.close();
    }
    // Attempt gaps follow 60, 120, 240, 240... ms (never sooner).
    const gaps = t.calls.slice(1).map((c, i) => c.at - t.calls[i]!.at);
    expect(gaps.slice(0, 3).map((g, i) => g >= [60, 120, 240][i]! - 5)).toEqual([true, true, true]);
    expect(t.calls.length).toBeGreaterThanOrEqual(5);
    expect(t.calls.length).toBeLessThan(12);
    const notices = await t.inbox();
    expect(notices).toHaveLength(2);
    const [delay, bounce] = notices.sort((a, b) =>
      a.includes('Action: delayed') ? -1 : b.includes('Action: delayed') ? 1 : 0,
    );
    expect(delay).toMatch(/Subject: Delivery delayed: patience/);
    expect(delay).toMatch(/Action: delayed\r\nStatus: 4\.4\.1\r\nRemote-MTA: dns; mx\.slow\.example/);
    expect(bounce).toMatch(/Subject: Undelivered Mail Returned to Sender: patience/);
    expect(bounce).toMatch(/Action: failed\r\nStatus: 4\.4\.7/);
    expect(bounce).toMatch(/Diagnostic-Code: smtp; 451 4\.4\.1 Connection refused/);
    expect(t.files()).toEqual([]); // entry and state file gone
    t.core.close();
  });

  it('delivers per recipient: the accepted ones are done, the refused one bounces, the deferred one is retried alone', async () => {
    let deferOnce = true;
    const t = await setup((domain, to) =>
      to.map((address): RecipientOutcome => {
        if (address.startsWith('nobody'))
          return {
            address,
            status: 'permanent',
            code: 550,
            text: '550 5.1.1 No such user',
            mx: `mx.${domain}`,
          };
        if (address.startsWith('later') && deferOnce) {
          deferOnce = false;
          return { address, status: 'temporary', code: 452, text: '452 4.2.2 Mailbox full' };
        }
        return { address, status: 'sent', code: 250, text: '250 OK', mx: `mx.${domain}` };
      }),
    );
    await t.queue.enqueue(
      {
        mailFrom: 'alice@example.com',
        rcptTo: ['ok@a.example', 'nobody@a.example', 'later@b.example'],
        receivedAt: Date.now(),
        origin: 'submission',
      },
      rfc822('mixed', 'hi', 'alice@example.com'),
    );
    t.worker.start();
    try {
      await waitUntil(() => t.files().length === 0, 10_000);
    } finally {
      await t.worker.close();
    }
    const byDomain = t.calls.map((c) => `${c.domain}:${c.to.join(',')}`);
    expect(byDomain.sort()).toEqual([
      'a.example:ok@a.example,nobody@a.example',
      'b.example:later@b.example',
      'b.example:later@b.example',
    ]);
    const [bounce, ...more] = await t.inbox();
    expect(more).toEqual([]);
    expect(bounce).toMatch(/Final-Recipient: rfc822; nobody@a\.example\r\nAction: failed\r\nStatus: 5\.1\.1/);
    expect(bounce).not.toMatch(/Final-Recipient: rfc822; (ok|later)@/);
    t.core.close();
  });

  it('rewrites the sender of forwarded mail with SRS; bounces are never bounced', async () => {
    const t = await setup((_d, to) =>
      to.map((address) => ({ address, status: 'permanent', code: 550, text: '550 5.7.1 no' })),
    );
    await t.queue.enqueue(
      {
        mailFrom: 'carol@far.example',
        rcptTo: ['dest@elsewhere.example'],
        receivedAt: Date.now(),
        origin: 'forward',
      },
      rfc822('fwd', 'x', 'carol@far.example'),
    );
    await t.queue.enqueue(
      { mailFrom: '', rcptTo: ['x@elsewhere.example'], receivedAt: Date.now(), origin: 'forward' },
      rfc822('a bounce', 'x'),
    );
    t.worker.start();
    try {
      // The forwarded message bounces to carol (queued, null sender) which fails in turn: no further mail.
      await waitUntil(
        () => t.calls.length >= 3 && t.files().filter((f) => f.endsWith('.msg')).length === 0,
        10_000,
      );
    } finally {
      await t.worker.close();
    }
    const fwd = t.calls.find((c) => c.to[0] === 'dest@elsewhere.example')!;
    expect(fwd.from).toMatch(/^SRS0=[a-z2-7]{4}=[a-z2-7]{2}=far\.example=carol@mx\.example\.com$/);
    const toCarol = t.calls.filter((c) => c.to[0] === 'carol@far.example');
    expect(toCarol).toHaveLength(1);
    expect(toCarol[0]!.from).toBe('');
    expect(t.calls).toHaveLength(3);
    t.core.close();
  });
});
