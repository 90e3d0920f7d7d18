// The one translation table: domain failures -> IMAP NO [CODE] and POP3 -ERR [CODE].
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.ts';
import { ProtocolRefusal, toImapFailure, toPop3Failure } from '../../src/protocols/error-codes.ts';
import { LoginThrottledError } from '../../src/security/login-throttle.ts';
import { FolderError } from '../../src/storage/mailbox-store.ts';

describe('protocol error codes', () => {
  it('maps domain errors to RFC 5530 IMAP response codes', () => {
    const code = (e: unknown) => toImapFailure(e).code;
    expect(code(new DomainError('AUTH_FAILED', 'x'))).toBe('AUTHENTICATIONFAILED');
    expect(code(new DomainError('DISABLED', 'x'))).toBe('AUTHORIZATIONFAILED');
    expect(code(new DomainError('OVER_QUOTA', 'x'))).toBe('OVERQUOTA');
    expect(code(new DomainError('TOO_LARGE', 'x'))).toBe('TOOBIG');
    expect(code(new DomainError('TEMPORARY', 'x'))).toBe('UNAVAILABLE');
    expect(code(new FolderError('NONEXISTENT', 'x'))).toBe('NONEXISTENT');
    expect(code(new FolderError('ALREADYEXISTS', 'x'))).toBe('ALREADYEXISTS');
    expect(code(new FolderError('CANNOT', 'x'))).toBe('CANNOT');
    expect(code(new ProtocolRefusal('INVALID', 'x'))).toBe('CLIENTBUG');
    expect(toImapFailure(new LoginThrottledError(4200))).toMatchObject({
      response: 'NO',
      code: 'UNAVAILABLE',
      message: 'Too many failed logins, retry in 5 s',
      unexpected: false,
    });
    // Anything else is our bug: a generic answer, flagged for the log; no internals leak.
    expect(toImapFailure(new Error('SQLITE_CORRUPT at /var/lib/x'))).toEqual({
      response: 'NO',
      code: 'SERVERBUG',
      message: 'Internal server error',
      unexpected: true,
    });
  });

  it('maps the same failures to POP3 -ERR codes (RFC 2449 / 3206)', () => {
    expect(toPop3Failure(new DomainError('AUTH_FAILED', 'x'))).toEqual({
      text: '[AUTH] Invalid credentials',
      close: false,
      unexpected: false,
    });
    expect(toPop3Failure(new LoginThrottledError(1000)).text).toBe(
      '[LOGIN-DELAY] Too many failed logins, retry in 1 s',
    );
    expect(toPop3Failure(new ProtocolRefusal('IN_USE', 'Maildrop busy')).text).toBe('[IN-USE] Maildrop busy');
    expect(toPop3Failure(new DomainError('TEMPORARY', 'x')).text).toMatch(/^\[SYS\/TEMP\]/);
    expect(toPop3Failure(new TypeError('boom'))).toEqual({
      text: '[SYS/TEMP] Internal server error',
      close: true,
      unexpected: true,
    });
  });
});
