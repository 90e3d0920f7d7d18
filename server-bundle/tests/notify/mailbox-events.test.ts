// Mailbox events: the wire format, the Redis bus between processes (real redis-server), the
// in-process hub, and OpenMailboxes (drain on new mail, coalesced wake-ups, own-origin handling).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailboxSession } from '../../src/domain/mailbox-session.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { LocalEventHub } from '../../src/notify/local-events.ts';
import { decodeEvent, encodeEvent, type MailboxEvent } from '../../src/notify/mailbox-events.ts';
import { OpenMailboxes } from '../../src/notify/open-mailboxes.ts';
import { RedisMailboxEvents } from '../../src/notify/redis-events.ts';
import { connectRedis, type RedisConnection } from '../../src/storage/redis-adapter.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';

let redis: TestRedis;
const conns: RedisConnection[] = [];

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  for (const c of conns) await c.quit();
  await redis?.stop();
});

function bus(): RedisMailboxEvents {
  const c = connectRedis({ ...redis.options, keyPrefix: 'ev:' });
  conns.push(c);
  return new RedisMailboxEvents(c);
}

const tick = () => new Promise((r) => setImmediate(r));

function fakeSession(id: string, drain: () => Promise<number>): MailboxSession {
  return {
    mailbox: { id },
    drainSpool: async () => ({ delivered: await drain(), duplicates: 0, failed: [] }),
  } as unknown as MailboxSession;
}

describe('mailbox events', () => {
  it('encodes only a kind, a mailbox id and an origin; rejects anything else', () => {
    const e: MailboxEvent = { kind: 'new-mail', mailboxId: 'a1b2-c3', origin: 'p1-abc' };
    expect(decodeEvent(encodeEvent(e))).toEqual(e);
    expect(decodeEvent(encodeEvent({ ...e, kind: 'changed' }))).toEqual({ ...e, kind: 'changed' });
    for (const bad of [
      '',
      'nope',
      '{}',
      '{"k":"x","m":"a","o":"b"}',
      '{"k":"n","m":"../etc","o":"b"}',
      `{"k":"n","m":"a","o":"${'x'.repeat(600)}"}`,
    ]) {
      expect(decodeEvent(bad)).toBeUndefined();
    }
  });

  it('carries new-mail and changed events between Redis buses (processes) in milliseconds', async () => {
    const smtp = bus();
    const imap = bus();
    const got: MailboxEvent[] = [];
    const unsubscribe = await imap.subscribe((e) => got.push(e));
    const t0 = performance.now();
    await smtp.newMail('mbx-1');
    await smtp.changed('mbx-2');
    while (got.length < 2 && performance.now() - t0 < 2000) await new Promise((r) => setTimeout(r, 2));
    expect(performance.now() - t0).toBeLessThan(200);
    expect(got).toEqual([
      { kind: 'new-mail', mailboxId: 'mbx-1', origin: smtp.origin },
      { kind: 'changed', mailboxId: 'mbx-2', origin: smtp.origin },
    ]);
    await unsubscribe();
    await smtp.newMail('mbx-3');
    await new Promise((r) => setTimeout(r, 50));
    expect(got).toHaveLength(2);
  });

  it('does not throw when Redis is gone (publishing is best effort)', async () => {
    const c = connectRedis({ host: '127.0.0.1', port: 1, commandTimeoutMs: 200, connectTimeoutMs: 200 });
    conns.push(c);
    await expect(new RedisMailboxEvents(c).newMail('mbx')).resolves.toBeUndefined();
  });

  it('the in-process hub delivers asynchronously to every bus', async () => {
    const hub = new LocalEventHub();
    const a = hub.bus();
    const b = hub.bus();
    const got: MailboxEvent[] = [];
    await b.subscribe((e) => got.push(e));
    await a.newMail('m');
    expect(got).toEqual([]); // never inline
    await tick();
    expect(got).toEqual([{ kind: 'new-mail', mailboxId: 'm', origin: a.origin }]);
  });
});

describe('OpenMailboxes', () => {
  it('drains on new mail (also from its own process), then wakes watchers once', async () => {
    const hub = new LocalEventHub();
    const events = hub.bus();
    const open = new OpenMailboxes({ events, log: silentLogger, pollIntervalMs: 0 });
    await open.start();
    let drains = 0;
    open.add(fakeSession('m1', async () => (++drains, 1)));
    let wakes = 0;
    open.watch('m1', () => wakes++);
    await events.newMail('m1'); // e.g. local submission in the same process
    for (let i = 0; i < 20 && wakes === 0; i++) await tick();
    expect(drains).toBe(1);
    expect(wakes).toBe(1);
    await events.newMail('other-mailbox'); // nobody here holds it: ignored
    await tick();
    await tick();
    expect(drains).toBe(1);
    await open.stop();
  });

  it('coalesces wake-ups per turn and ignores its own "changed" echoes', async () => {
    const hub = new LocalEventHub();
    const mine = hub.bus();
    const theirs = hub.bus();
    const open = new OpenMailboxes({ events: mine, log: silentLogger, pollIntervalMs: 0 });
    await open.start();
    open.add(fakeSession('m1', async () => 0));
    let wakes = 0;
    open.watch('m1', () => wakes++);
    open.changed('m1');
    open.changed('m1');
    open.changed('m1');
    await tick();
    await tick();
    expect(wakes).toBe(1); // three local changes, one wake-up; their echo on the bus is skipped
    await theirs.changed('m1');
    await tick();
    await tick();
    expect(wakes).toBe(2);
    await open.stop();
  });

  it('runs one more drain when mail arrives during a drain; nothing delivered, nobody woken', async () => {
    const open = new OpenMailboxes({ log: silentLogger, pollIntervalMs: 0 });
    let release!: () => void;
    let calls = 0;
    open.add(
      fakeSession('m1', async () => {
        calls++;
        if (calls === 1) await new Promise<void>((r) => (release = r));
        return 0;
      }),
    );
    let wakes = 0;
    open.watch('m1', () => wakes++);
    const first = open.drain('m1');
    const second = open.drain('m1'); // joins, and asks for another run
    await tick();
    release();
    expect(await first).toBe(0);
    expect(await second).toBe(0);
    expect(calls).toBe(2);
    await tick();
    expect(wakes).toBe(0);
    expect(open.sessionCount()).toBe(1);
  });
});

describe('OpenMailboxes without a bus', () => {
  it('starts when the bus cannot subscribe, and keeps retrying in the background', async () => {
    let attempts = 0;
    const failing = {
      origin: 'x',
      newMail: async () => {},
      changed: async () => {},
      subscribe: async () => {
        attempts++;
        throw new Error('redis down');
      },
    };
    const open = new OpenMailboxes({ events: failing, log: silentLogger, pollIntervalMs: 0 });
    await expect(open.start()).resolves.toBeUndefined();
    expect(attempts).toBe(1);
    open.changed('m1'); // local changes still work
    await open.stop();
  });
});
