import { describe, expect, it } from 'vitest';
import type { AuthVerdict } from '../../src/mailauth/mailauth-adapter.ts';
import { spamScore, splitMessage } from '../../src/inbound/spam-score.ts';

const good: AuthVerdict = {
  headers: '',
  spf: 'pass',
  spfDomain: 'one.test',
  dkim: [{ domain: 'one.test', selector: 's', algorithm: 'rsa-sha256', result: 'pass', aligned: true }],
  dmarc: { result: 'pass', policy: 'reject', domain: 'one.test' },
  arc: 'none',
  fromDomain: 'one.test',
};
const bad: AuthVerdict = {
  ...good,
  spf: 'fail',
  dkim: [],
  dmarc: { result: 'fail', policy: 'quarantine', domain: 'one.test' },
};
const cleanClient = { dnsbl: [], rdns: 'confirmed' as const, heloPlausible: true };
const msg = (headers: string, body: string) => splitMessage(Buffer.from(`${headers}\r\n\r\n${body}`));

describe('spam score', () => {
  it('scores authenticated, well-formed mail below zero', () => {
    const v = spamScore({
      auth: good,
      client: cleanClient,
      ...msg('From: a@one.test\r\nDate: x\r\nMessage-ID: <1@one.test>\r\nSubject: Lunch', 'Hi'),
    });
    expect(v).toEqual({ score: -1, reasons: ['DMARC_PASS=-1'] });
  });

  it('adds up failing authentication, a listed client and spammy content', () => {
    const v = spamScore({
      auth: bad,
      client: { dnsbl: ['zen.example'], rdns: 'none', heloPlausible: false },
      ...msg(
        'From: "ceo@bank.example" <x@evil.example>\r\nSubject: YOU HAVE WON THE LOTTERY\r\nContent-Type: text/html',
        'Claim now at https://bit.ly/abc, you have won!',
      ),
    });
    expect(v.reasons).toEqual(
      expect.arrayContaining([
        'DMARC_FAIL=3',
        'DMARC_QUARANTINE_POLICY=3',
        'SPF_FAIL=2',
        'NO_AUTHENTICATION=1.5',
        'DNSBL_LISTED=4',
        'RDNS_NONE=1',
        'HELO_IMPLAUSIBLE=1.5',
        'MISSING_DATE=1',
        'MISSING_MESSAGE_ID=1',
        'SUBJECT_ALL_CAPS=1',
        'FROM_NAME_HAS_OTHER_ADDRESS=1.5',
        'HTML_ONLY=0.5',
        'URL_SHORTENER=1',
        'SPAM_PHRASES=1.5',
      ]),
    );
    expect(v.score).toBe(23.5);
  });

  it('counts DKIM_INVALID only for a signature that fails, not for unsigned mail (mailauth: dkim=none)', () => {
    const dkim = (result: AuthVerdict['dkim'][number]['result']) => ({
      auth: { ...good, dkim: [{ ...good.dkim[0]!, result }], dmarc: undefined, spf: 'none' as const },
      client: cleanClient,
      ...msg('From: a@b.test\r\nDate: x\r\nMessage-ID: <1@b>', 'x'),
    });
    expect(spamScore(dkim('none')).reasons).toEqual(['NO_AUTHENTICATION=1.5']);
    expect(spamScore(dkim('fail')).reasons).toEqual(['DKIM_INVALID=1', 'NO_AUTHENTICATION=1.5']);
  });

  it('does not blame mail whose checks were skipped (trusted client)', () => {
    expect(
      spamScore({
        auth: undefined,
        client: { dnsbl: [], rdns: 'skipped', heloPlausible: true },
        ...msg('From: a@b.test\r\nDate: x\r\nMessage-ID: <1@b>', 'x'),
      }).score,
    ).toBe(0);
  });
});
