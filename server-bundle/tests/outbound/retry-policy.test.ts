import { describe, expect, it } from 'vitest';
import { MAIL_DEFAULTS } from '../../src/run/mail-settings.ts';
import { dueForDelayNotice, expired, retryDelayMs, retrySchedule } from '../../src/outbound/retry-policy.ts';

const prod = MAIL_DEFAULTS.outbound.retry;
const min = 60_000;
const hour = 60 * min;

describe('retry policy', () => {
  it('backs off exponentially from 5 minutes, capped at 4 hours (production defaults)', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => retryDelayMs(n, prod) / min)).toEqual([
      5, 10, 20, 40, 80, 160, 240, 240,
    ]);
  });

  it('tries for 5 days, then gives up; the delay notice comes after 4 hours', () => {
    const s = retrySchedule(prod);
    expect(s[0]).toBe(0);
    expect(s.at(-1)!).toBeLessThan(5 * 24 * hour);
    expect(s.at(-1)! + retryDelayMs(s.length, prod)).toBeGreaterThanOrEqual(5 * 24 * hour);
    expect(s.length).toBe(35); // 7 growing steps (5 min .. 160 min = 5h15) then every 4 h
    expect(expired(0, 5 * 24 * hour - 1, prod)).toBe(false);
    expect(expired(0, 5 * 24 * hour, prod)).toBe(true);
    expect(dueForDelayNotice(0, 4 * hour - 1, prod)).toBe(false);
    expect(dueForDelayNotice(0, 4 * hour, prod)).toBe(true);
  });

  it('compresses into seconds with test settings', () => {
    const fast = {
      firstDelayMs: 100,
      factor: 2,
      maxDelayMs: 800,
      giveUpAfterMs: 5_000,
      delayNoticeAfterMs: 2_000,
    };
    expect(retrySchedule(fast)).toEqual([0, 100, 300, 700, 1500, 2300, 3100, 3900, 4700]);
  });
});
