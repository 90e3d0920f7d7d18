import { describe, expect, it } from 'vitest';
import {
  certificateView,
  isPending,
  type ServerCertificate,
} from '../../src/main/services/mail/certificate-view';
import { generateMailboxPassword } from '../../src/main/services/mail/mailbox-password';

const REQUESTED = '2026-11-28T10:00:00.000Z';
const BEFORE = '2026-11-28T09:00:00.000Z';
const AFTER = '2026-11-28T10:00:01.000Z';

function cert(acme: Partial<NonNullable<ServerCertificate['acme']>>, selfSigned = true): ServerCertificate {
  return {
    subject: 'CN=mail.example.org',
    altNames: ['DNS:mail.example.org', 'IP Address:192.0.2.1'],
    notBefore: BEFORE,
    notAfter: AFTER,
    daysLeft: 0,
    selfSigned,
    acme: {
      enabled: true,
      directoryUrl: null,
      lastAttemptAt: null,
      lastSuccessAt: null,
      lastError: null,
      renewAfter: null,
      ...acme,
    },
  };
}

const neverAsked = () => Promise.reject(new Error('the log should not be needed'));
const tracked = (errorBefore: string | null = null) => ({ requestedAt: REQUESTED, errorBefore });

describe('certificate request: pending until the server has answered it', () => {
  it('is pending until the jobs role has tried, and hides an older error meanwhile', () => {
    const old = cert({ lastAttemptAt: BEFORE, lastError: 'old failure' });
    expect(isPending(old, tracked('old failure'), neverAsked)).toBe(true);
    expect(certificateView(old, true).acme).toMatchObject({ pending: true, lastError: null });
  });

  it('ends with a success after the request, or with a new error', () => {
    expect(
      isPending(cert({ lastAttemptAt: AFTER, lastSuccessAt: AFTER }, false), tracked(), neverAsked),
    ).toBe(false);
    const failed = cert({ lastAttemptAt: AFTER, lastError: 'new failure' });
    expect(isPending(failed, tracked('old failure'), neverAsked)).toBe(false);
    expect(certificateView(failed, false).acme?.lastError).toBe('new failure');
  });

  it('asks the server’s log when the error reads exactly as before', async () => {
    const same = cert({ lastAttemptAt: AFTER, lastError: 'same words' });
    expect(await isPending(same, tracked('same words'), async () => true)).toBe(false);
    expect(await isPending(same, tracked('same words'), async () => false)).toBe(true);
  });

  it('without a request of this run: waiting only while self-signed with nothing tried yet', () => {
    expect(isPending(cert({}), undefined, neverAsked)).toBe(true);
    expect(isPending(cert({ lastError: 'x' }), undefined, neverAsked)).toBe(false);
    expect(isPending(cert({ enabled: false }), undefined, neverAsked)).toBe(false);
  });

  it('lists names without the DNS:/IP Address: prefixes', () => {
    expect(certificateView(cert({}), false).altNames).toEqual(['mail.example.org', '192.0.2.1']);
  });
});

describe('mailbox password', () => {
  it('is four groups of six characters without look-alikes, different each time', () => {
    const passwords = new Set(Array.from({ length: 200 }, () => generateMailboxPassword()));
    expect(passwords.size).toBe(200);
    for (const p of passwords) expect(p).toMatch(/^[a-km-zA-HJ-NP-Z2-9]{6}(-[a-km-zA-HJ-NP-Z2-9]{6}){3}$/);
  });
});
