// The internet-mail refusals (anti-abuse, DMARC, spam, sending limits) -> SMTP replies.
import { describe, expect, it } from 'vitest';
import { toSmtpError } from '../../../src/protocols/smtp/smtp-errors.ts';
import { PolicyRefusal, type PolicyRefusalCode } from '../../../src/security/policy-refusal.ts';

const table: Array<[PolicyRefusalCode, string, number, RegExp]> = [
  ['TOO_MANY_CONNECTIONS', '192.0.2.1', 421, /^4\.7\.0 Too many connections/],
  ['DNSBL_LISTED', 'zen.example', 554, /^5\.7\.1 .*listed by zen\.example/],
  ['FORGED_HELO', 'mx.two.test', 550, /^5\.7\.1 HELO\/EHLO name mx\.two\.test refused/],
  ['RATE_LIMITED', '192.0.2.1', 450, /^4\.7\.1 Too many messages/],
  ['GREYLISTED', 'bob@two.test', 451, /^4\.7\.1 Greylisted/],
  ['DMARC_REJECT', 'one.test', 550, /^5\.7\.1 Message rejected by the DMARC policy of one\.test$/],
  ['SPAM', '17', 550, /^5\.7\.1 Message refused as spam$/],
  ['SENDING_LIMIT', '500 messages per hour', 450, /^4\.7\.1 Sending limit reached \(500 messages per hour\)/],
];

describe('policy refusals -> SMTP replies', () => {
  it.each(table)('%s', (code, detail, reply, text) => {
    const e = toSmtpError(new PolicyRefusal(code, detail), { stage: 'data', role: 'mx' });
    expect(e.responseCode).toBe(reply);
    expect(e.message).toMatch(text);
  });

  it('never echoes line breaks from the detail', () => {
    expect(
      toSmtpError(new PolicyRefusal('FORGED_HELO', 'a\r\n250 ok'), { stage: 'mail', role: 'mx' }).message,
    ).not.toMatch(/[\r\n]/);
  });
});
