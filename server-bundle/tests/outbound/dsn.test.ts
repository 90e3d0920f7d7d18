import { describe, expect, it } from 'vitest';
import { buildDsn, enhancedStatusOf } from '../../src/outbound/dsn.ts';
import { parseMime } from '../../src/domain/mime-adapter.ts';

const original = Buffer.from(
  'From: alice@one.test\r\nTo: nobody@two.test\r\nSubject: Lunch?\r\nMessage-ID: <m1@one.test>\r\n\r\nSecret body text.\r\n',
);

describe('DSN (RFC 3464)', () => {
  it('builds a multipart/report bounce with per-recipient delivery status and only the original headers', async () => {
    const raw = buildDsn({
      reportingMta: 'mx.one.test',
      to: 'alice@one.test',
      queuedAt: Date.UTC(2026, 10, 28, 5),
      now: Date.UTC(2026, 10, 28, 6),
      recipients: [
        {
          address: 'nobody@two.test',
          action: 'failed',
          status: '5.1.1',
          diagnostic: '550 5.1.1 No such user here',
          remoteMta: 'mx.two.test',
          lastAttemptAt: Date.UTC(2026, 10, 28, 6),
        },
      ],
      originalRaw: original,
    });
    const text = raw.toString();
    expect(text).toMatch(/^From: Mail Delivery System <MAILER-DAEMON@mx\.one\.test>\r\n/);
    expect(text).toMatch(/\r\nSubject: Undelivered Mail Returned to Sender: Lunch\?\r\n/);
    expect(text).toMatch(/\r\nAuto-Submitted: auto-replied\r\n/);
    expect(text).toMatch(
      /Content-Type: multipart\/report; report-type=delivery-status; boundary="dsn-[0-9a-f]+"/,
    );
    expect(text).toContain(
      'Reporting-MTA: dns; mx.one.test\r\nArrival-Date: Sat, 28 Nov 2026 05:00:00 +0000',
    );
    expect(text).toContain(
      'Final-Recipient: rfc822; nobody@two.test\r\nAction: failed\r\nStatus: 5.1.1\r\nRemote-MTA: dns; mx.two.test\r\nDiagnostic-Code: smtp; 550 5.1.1 No such user here\r\nLast-Attempt-Date: Sat, 28 Nov 2026 06:00:00 +0000',
    );
    expect(text).toContain(
      'Content-Type: text/rfc822-headers\r\n\r\nFrom: alice@one.test\r\nTo: nobody@two.test\r\nSubject: Lunch?',
    );
    expect(text).not.toContain('Secret body text'); // headers only: the bounce does not copy the content
    const parsed = await parseMime(raw);
    expect(parsed.subject).toBe('Undelivered Mail Returned to Sender: Lunch?');
    expect(parsed.text).toContain('nobody@two.test');
  });

  it('says "delayed" and until when it retries in a delay notice', () => {
    const text = buildDsn({
      reportingMta: 'mx.one.test',
      to: 'alice@one.test',
      queuedAt: 0,
      retryUntil: 5 * 86_400_000,
      recipients: [
        {
          address: 'bob@two.test',
          action: 'delayed',
          status: '4.4.1',
          diagnostic: '451 4.4.1 connection refused',
        },
      ],
      originalRaw: original,
    }).toString();
    expect(text).toMatch(/Subject: Delivery delayed: Lunch\?/);
    expect(text).toContain('Action: delayed\r\nStatus: 4.4.1');
    expect(text).toContain('Will-Retry-Until: Tue, 06 Jan 1970 00:00:00 +0000');
    expect(text).toMatch(/you do not need to send it again/);
  });

  it('takes the enhanced status from the reply when there is one', () => {
    expect(enhancedStatusOf(550, '550 5.1.1 No such user')).toBe('5.1.1');
    expect(enhancedStatusOf(552, '5.2.2 Mailbox full')).toBe('5.2.2');
    expect(enhancedStatusOf(554, 'go away')).toBe('5.0.0');
    expect(enhancedStatusOf(451, 'later')).toBe('4.0.0');
  });
});
