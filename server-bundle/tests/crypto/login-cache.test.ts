import { describe, expect, it } from 'vitest';
import { LoginCache } from '../../src/crypto/login-cache.ts';

describe('login cache', () => {
  it('returns the key only for the same password, until the TTL', () => {
    let now = 1000;
    const c = new LoginCache({ ttlMs: 60_000, now: () => now });
    const key = Buffer.alloc(32, 7);
    c.set('m1', 'pw', key, 'primary:v1');
    expect(c.get('m1', 'pw')?.key.equals(key)).toBe(true);
    expect(c.get('m1', 'pw')?.tag).toBe('primary:v1');
    expect(c.get('m1', 'other')).toBeUndefined();
    expect(c.get('m2', 'pw')).toBeUndefined();
    now += 60_001;
    expect(c.get('m1', 'pw')).toBeUndefined();
    expect(c.size).toBe(0);
  });

  it('invalidates at once, hands out copies, and bounds its size', () => {
    const c = new LoginCache({ ttlMs: 60_000, maxEntries: 2 });
    const key = Buffer.alloc(32, 1);
    c.set('a', 'x', key);
    const copy = c.get('a', 'x')!;
    copy.key.fill(0);
    expect(c.get('a', 'x')?.key.equals(key)).toBe(true);
    c.invalidate('a');
    expect(c.get('a', 'x')).toBeUndefined();
    c.set('a', 'x', key);
    c.set('b', 'x', key);
    c.set('c', 'x', key);
    expect(c.size).toBe(2);
    expect(c.get('a', 'x')).toBeUndefined();
  });

  it('caches nothing with a zero TTL', () => {
    const c = new LoginCache({ ttlMs: 0 });
    c.set('a', 'x', Buffer.alloc(32));
    expect(c.get('a', 'x')).toBeUndefined();
  });
});
