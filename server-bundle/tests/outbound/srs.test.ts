import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { Srs, SrsError } from '../../src/outbound/srs.ts';

const DAY = 86_400_000;

describe('SRS', () => {
  const key = randomBytes(32);
  let now = Date.UTC(2026, 10, 28);
  const srs = new Srs({ key, domain: 'mx.one.test', maxAgeDays: 21, now: () => now });

  it('round-trips a sender through SRS0', () => {
    const fwd = srs.forward('Bob.Smith+x@far.example');
    expect(fwd).toMatch(/^SRS0=[a-z2-7]{4}=[a-z2-7]{2}=far\.example=Bob\.Smith\+x@mx\.one\.test$/);
    expect(srs.isSrs(fwd)).toBe(true);
    expect(srs.reverse(fwd)).toBe('Bob.Smith+x@far.example');
    expect(srs.reverse(fwd.toLowerCase())).toBe('bob.smith+x@far.example'); // case-insensitive hash
    expect(srs.forward(fwd)).toBe(fwd); // already ours
    expect(srs.forward('')).toBe('');
  });

  it('refuses forged, foreign and expired addresses', () => {
    const fwd = srs.forward('bob@far.example');
    expect(() => srs.reverse(fwd.replace('far.example', 'evil.example'))).toThrow(SrsError);
    expect(() => srs.reverse(fwd.replace('@mx.one.test', '@other.test'))).toThrow(SrsError);
    expect(() =>
      new Srs({ key: randomBytes(32), domain: 'mx.one.test', now: () => now }).reverse(fwd),
    ).toThrow(/hash/);
    now += 22 * DAY;
    expect(() => srs.reverse(fwd)).toThrow(/expired/);
    now -= 22 * DAY;
  });
});
