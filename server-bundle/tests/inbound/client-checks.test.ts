import { describe, expect, it } from 'vitest';
import {
  dnsblName,
  heloForged,
  heloPlausible,
  inRanges,
  isInternalAddress,
} from '../../src/inbound/client-checks.ts';

describe('client checks', () => {
  it('builds DNSBL query names for IPv4 and IPv6', () => {
    expect(dnsblName('192.0.2.99', 'zen.example')).toBe('99.2.0.192.zen.example');
    expect(dnsblName('::ffff:192.0.2.99', 'zen.example')).toBe('99.2.0.192.zen.example');
    expect(dnsblName('2001:db8::1', 'bl.example')).toBe(
      '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.example',
    );
  });

  it('matches CIDR ranges (trusted clients)', () => {
    expect(inRanges('127.0.0.2', ['127.0.0.0/8'])).toBe(true);
    expect(inRanges('::ffff:127.0.0.1', ['127.0.0.0/8'])).toBe(true);
    expect(inRanges('128.0.0.1', ['127.0.0.0/8'])).toBe(false);
    expect(inRanges('::1', ['::1/128'])).toBe(true);
    expect(inRanges('2001:db8:1:2::5', ['2001:db8:1::/48'])).toBe(true);
    expect(inRanges('2001:db9::5', ['2001:db8::/32'])).toBe(false);
    expect(inRanges('10.1.2.3', [])).toBe(false);
    expect(isInternalAddress('192.168.1.1')).toBe(true);
    expect(isInternalAddress('198.51.100.7')).toBe(false);
  });

  it('judges HELO names', () => {
    expect(heloPlausible('mx.one.test')).toBe(true);
    expect(heloPlausible('[192.0.2.1]')).toBe(true);
    expect(heloPlausible('[IPv6:2001:db8::1]')).toBe(true);
    expect(heloPlausible('localhost')).toBe(false);
    expect(heloPlausible('PC-123')).toBe(false);
    const ours = { names: ['mx.two.test', 'two.test'], addresses: ['198.51.100.3'] };
    expect(heloForged('mx.two.test', '203.0.113.9', ours)).toBe(true);
    expect(heloForged('TWO.TEST.', '203.0.113.9', ours)).toBe(true);
    expect(heloForged('[198.51.100.3]', '203.0.113.9', ours)).toBe(true);
    expect(heloForged('mx.one.test', '203.0.113.9', ours)).toBe(false);
    expect(heloForged('mx.two.test', '198.51.100.3', ours)).toBe(false); // ourselves
  });
});

describe('forged verdict headers', async () => {
  const { stripForgedVerdicts } = await import('../../src/inbound/inbound-checks.ts');
  it('drops Authentication-Results claiming our authserv-id and any X-Spam-Score, keeps the rest', () => {
    const raw = Buffer.from(
      'Authentication-Results: mx.two.test; dkim=pass\r\n header.d=one.test\r\nAuthentication-Results: other.example; spf=pass\r\n' +
        'X-Spam-Score: -100\r\nAuthentication-Results: (comment) MX.TWO.TEST; dmarc=pass\r\nSubject: hi\r\n\r\nbody\r\nAuthentication-Results: mx.two.test; in the body\r\n',
    );
    expect(stripForgedVerdicts(raw, 'mx.two.test').toString()).toBe(
      'Authentication-Results: other.example; spf=pass\r\nSubject: hi\r\n\r\nbody\r\nAuthentication-Results: mx.two.test; in the body\r\n',
    );
    const clean = Buffer.from('Subject: x\r\n\r\ny');
    expect(stripForgedVerdicts(clean, 'mx.two.test')).toBe(clean);
  });
});
