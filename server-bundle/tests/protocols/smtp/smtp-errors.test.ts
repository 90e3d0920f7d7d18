import { describe, expect, it } from 'vitest';
import { DomainError, type DomainErrorCode } from '../../../src/domain/errors.ts';
import { SmtpError, toSmtpError } from '../../../src/protocols/smtp/smtp-errors.ts';
import { LoginThrottledError } from '../../../src/security/login-throttle.ts';
import { ConfigError } from '../../../src/storage/config-store.ts';

describe('DomainError -> SMTP reply (the one translation table)', () => {
  const cases: Array<[DomainErrorCode, 'auth' | 'rcpt' | 'data', number, RegExp]> = [
    ['AUTH_FAILED', 'auth', 535, /^5\.7\.8 /],
    ['DISABLED', 'auth', 535, /^5\.7\.8 /],
    ['DISABLED', 'rcpt', 550, /^5\.2\.1 /],
    ['NO_SUCH_RECIPIENT', 'rcpt', 550, /^5\.1\.1 /],
    ['NOT_LOCAL', 'rcpt', 554, /^5\.7\.1 Relay access denied/],
    ['OVER_QUOTA', 'rcpt', 452, /^4\.2\.2 /],
    ['OVER_QUOTA', 'data', 552, /^5\.2\.2 /],
    ['TOO_LARGE', 'data', 552, /^5\.3\.4 /],
    ['TEMPORARY', 'data', 451, /^4\.3\.0 /],
  ];
  for (const [code, stage, reply, text] of cases) {
    it(`${code} at ${stage} -> ${reply}`, () => {
      const e = toSmtpError(new DomainError(code, 'internal detail'), { stage, role: 'mx' });
      expect(e.responseCode).toBe(reply);
      expect(e.message).toMatch(text);
      expect(e.message).not.toMatch(/internal detail/);
    });
  }

  it('throttled logins -> 421 with the wait; unknown errors -> 451 / 454; own refusals pass through', () => {
    const t = toSmtpError(new LoginThrottledError(61_000), { stage: 'auth', role: 'submission' });
    expect([t.responseCode, t.message]).toEqual([
      421,
      '4.7.0 Too many failed logins from your address, try again in 61 seconds',
    ]);
    expect(toSmtpError(new Error('disk on fire'), { stage: 'data', role: 'mx' }).responseCode).toBe(451);
    expect(toSmtpError(new Error('redis down'), { stage: 'auth', role: 'submission' }).responseCode).toBe(
      454,
    );
    expect(toSmtpError(new ConfigError('INVALID', 'x'), { stage: 'mail', role: 'mx' }).responseCode).toBe(
      501,
    );
    const own = new SmtpError(553, '5.7.1 no');
    expect(toSmtpError(own, { stage: 'mail', role: 'submission' })).toBe(own);
  });
});
