import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log/logger.ts';
import { clientKey, LoginThrottledError, RedisLoginThrottle } from '../../src/security/login-throttle.ts';
import { connectRedis, type RedisConnection } from '../../src/storage/redis-adapter.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';

let redis: TestRedis;
const conns: RedisConnection[] = [];
let n = 0;

function conn(): RedisConnection {
  const c = connectRedis({ ...redis.options, keyPrefix: `t${process.pid}-${++n}:` });
  conns.push(c);
  return c;
}

beforeAll(async () => {
  redis = await startRedis();
});
afterEach(async () => {
  await Promise.all(conns.splice(0).map((c) => c.quit()));
});
afterAll(async () => {
  await redis?.stop();
});

describe('clientKey', () => {
  it('keeps IPv4, unwraps IPv4-mapped IPv6 and groups IPv6 by prefix', () => {
    expect(clientKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2:0:0:0:0/64');
    expect(clientKey('2001:db8:1:2::99')).toBe('2001:db8:1:2:0:0:0:0/64');
    expect(clientKey('::1', 128)).toBe('0:0:0:0:0:0:0:1/128');
    expect(clientKey('2001:db8:1:2ff::1', 56)).toBe('2001:db8:1:200:0:0:0:0/56');
  });
});

describe('RedisLoginThrottle', () => {
  it('blocks an IP after N failures within the window, for the block period', async () => {
    const t = new RedisLoginThrottle(
      conn(),
      { maxFailures: 3, windowMs: 10_000, blockMs: 400 },
      silentLogger,
    );
    expect(await t.check('192.0.2.1')).toEqual({ blocked: false, retryAfterMs: 0 });
    expect((await t.recordFailure('192.0.2.1')).failures).toBe(1);
    expect((await t.recordFailure('192.0.2.1')).failures).toBe(2);
    const third = await t.recordFailure('192.0.2.1');
    expect(third.blocked).toBe(true);
    const s = await t.check('192.0.2.1');
    expect(s.blocked).toBe(true);
    expect(s.retryAfterMs).toBeGreaterThan(0);
    expect(s.retryAfterMs).toBeLessThanOrEqual(400);
    await expect(t.assertAllowed('192.0.2.1')).rejects.toBeInstanceOf(LoginThrottledError);
    // Another IP is unaffected.
    expect((await t.check('192.0.2.2')).blocked).toBe(false);
    await new Promise((r) => setTimeout(r, 450));
    expect((await t.check('192.0.2.1')).blocked).toBe(false);
  });

  it('a success resets the failure count; failures expire with the window', async () => {
    const t = new RedisLoginThrottle(conn(), { maxFailures: 3, windowMs: 300, blockMs: 10_000 });
    await t.recordFailure('192.0.2.3');
    await t.recordFailure('192.0.2.3');
    await t.recordSuccess('192.0.2.3');
    expect((await t.recordFailure('192.0.2.3')).failures).toBe(1);
    await t.recordFailure('192.0.2.3');
    await new Promise((r) => setTimeout(r, 350));
    expect((await t.recordFailure('192.0.2.3')).failures).toBe(1);
    expect((await t.check('192.0.2.3')).blocked).toBe(false);
  });

  it('is shared across instances (protocols in different processes) through Redis', async () => {
    const prefix = `shared-${process.pid}:`;
    const a = connectRedis({ ...redis.options, keyPrefix: prefix });
    const b = connectRedis({ ...redis.options, keyPrefix: prefix });
    conns.push(a, b);
    const smtp = new RedisLoginThrottle(a, { maxFailures: 2, blockMs: 5_000 });
    const imap = new RedisLoginThrottle(b, { maxFailures: 2, blockMs: 5_000 });
    await smtp.recordFailure('2001:db8::1');
    await imap.recordFailure('2001:db8::2'); // same /64
    expect((await smtp.check('2001:db8::77')).blocked).toBe(true);
    expect((await imap.check('2001:db8:0:1::1')).blocked).toBe(false);
  });

  it('never blocks exempt addresses', async () => {
    const t = new RedisLoginThrottle(conn(), { maxFailures: 1, exempt: ['10.0.0.9'] });
    await t.recordFailure('10.0.0.9');
    await t.recordFailure('::ffff:10.0.0.9');
    expect((await t.check('10.0.0.9')).blocked).toBe(false);
  });

  it('fails open when Redis is unreachable', async () => {
    const c = connectRedis({ host: '127.0.0.1', port: 1, commandTimeoutMs: 200, connectTimeoutMs: 200 });
    conns.push(c);
    const t = new RedisLoginThrottle(c, { maxFailures: 1 });
    expect(await t.recordFailure('192.0.2.9')).toMatchObject({ blocked: false });
    expect(await t.check('192.0.2.9')).toEqual({ blocked: false, retryAfterMs: 0 });
  });
});
