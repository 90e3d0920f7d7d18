import { describe, expect, it } from 'vitest';
import { dnsPlanRequest } from '../../src/shared/dns';
import { canonicalIp, relativeName, reverseName } from '../../src/main/services/dns/names';
import { buildRecordSet, planRecords, unquoteTxt } from '../../src/main/services/dns/record-set';
import { diffRecords, type ProviderRecord } from '../../src/main/services/dns/provider';

const dkimValue = `v=DKIM1; k=rsa; p=${'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA'.repeat(9)}IDAQAB`;
const input = () =>
  dnsPlanRequest.parse({
    domain: 'Example.ORG.',
    ipv4: '192.0.2.25',
    ipv6: '2001:DB8:0:0::25',
    dkim: [
      { selector: 'f2026-rsa', value: dkimValue },
      { selector: 'f2026-ed', value: 'v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=' },
    ],
    tlsa: ['AB'.repeat(32)],
  });

describe('the record set', () => {
  const records = buildRecordSet({ ...input(), ttl: 3600 });
  const get = (id: string) => records.find((r) => r.id === id)!;

  it('holds every record internet mail and mail apps need', () => {
    expect(records.map((r) => `${r.name} ${r.type} ${r.value}`)).toEqual([
      'example.org MX 10 mail.example.org.',
      'mail.example.org A 192.0.2.25',
      'mail.example.org AAAA 2001:db8::25',
      'mail.example.org TXT v=spf1 a -all',
      'example.org TXT v=spf1 mx -all',
      `f2026-rsa._domainkey.example.org TXT ${dkimValue}`,
      'f2026-ed._domainkey.example.org TXT v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=',
      '_dmarc.example.org TXT v=DMARC1; p=quarantine; rua=mailto:postmaster@example.org',
      '_mta-sts.example.org TXT v=STSv1; id=' + get('mtaSts').value.split('id=')[1],
      'mta-sts.example.org A 192.0.2.25',
      'mta-sts.example.org AAAA 2001:db8::25',
      '_smtp._tls.example.org TXT v=TLSRPTv1; rua=mailto:postmaster@example.org',
      'example.org CAA 0 issue "letsencrypt.org"',
      `_25._tcp.mail.example.org TLSA 3 1 1 ${'ab'.repeat(32)}`,
      '_imaps._tcp.example.org SRV 0 1 993 mail.example.org.',
      '_submissions._tcp.example.org SRV 0 1 465 mail.example.org.',
      '_submission._tcp.example.org SRV 0 1 587 mail.example.org.',
      '_pop3s._tcp.example.org SRV 0 1 995 mail.example.org.',
      '_caldavs._tcp.example.org SRV 0 1 443 mail.example.org.',
      '_carddavs._tcp.example.org SRV 0 1 443 mail.example.org.',
      'autoconfig.example.org A 192.0.2.25',
      'autoconfig.example.org AAAA 2001:db8::25',
      'autodiscover.example.org CNAME mail.example.org.',
      '_autodiscover._tcp.example.org SRV 0 1 443 mail.example.org.',
    ]);
  });

  it('gives each record a host for providers’ forms, a TTL and a purpose in plain words', () => {
    expect(get('mx')).toMatchObject({
      host: '@',
      ttl: 3600,
      purpose: expect.stringContaining('delivered to your server'),
    });
    expect(get('dkim:f2026-rsa')).toMatchObject({
      host: 'f2026-rsa._domainkey',
      purpose: expect.stringContaining('DKIM'),
    });
    expect(get('tlsa:1').optional).toBe(true);
    for (const r of records) expect(r.purpose.length).toBeGreaterThan(20);
  });

  it('uses the given report mailbox, DMARC policy, CA, MTA-STS id, and a stable default id', () => {
    const custom = buildRecordSet({
      ...dnsPlanRequest.parse({
        domain: 'example.org',
        mailHost: 'mx.example.org',
        ipv4: '192.0.2.25',
        reportMailbox: 'reports@example.org',
        dmarcPolicy: 'reject',
        acmeCa: 'sectigo.com',
        mtaStsId: '20260101T1',
      }),
      ttl: 300,
    });
    const value = (id: string) => custom.find((r) => r.id === id)?.value;
    expect(value('dmarc')).toBe('v=DMARC1; p=reject; rua=mailto:reports@example.org');
    expect(value('tlsRpt')).toBe('v=TLSRPTv1; rua=mailto:reports@example.org');
    expect(value('caa')).toBe('0 issue "sectigo.com"');
    expect(value('mtaSts')).toBe('v=STSv1; id=20260101T1');
    expect(value('mx')).toBe('10 mx.example.org.');
    expect(custom.some((r) => r.type === 'AAAA')).toBe(false);
    expect(get('mtaSts').value).toBe(
      buildRecordSet({ ...input(), ttl: 1 }).find((r) => r.id === 'mtaSts')!.value,
    );
    expect(get('mtaSts').value).toMatch(/^v=STSv1; id=[A-Za-z0-9]{1,32}$/);
  });

  it('leaves out the mail host’s own records when it lives under another domain', () => {
    const other = buildRecordSet({
      ...dnsPlanRequest.parse({ domain: 'second.org', mailHost: 'mail.example.org', ipv4: '192.0.2.25' }),
      ttl: 300,
    });
    expect(other.some((r) => r.name === 'mail.example.org')).toBe(false);
    expect(other.find((r) => r.id === 'mx')?.value).toBe('10 mail.example.org.');
  });

  it('accepts DKIM values pasted from a zone file (quoted strings)', () => {
    expect(unquoteTxt('"v=DKIM1; k=rsa; " "p=AB\\"C"')).toBe('v=DKIM1; k=rsa; p=AB"C');
    expect(unquoteTxt('v=DKIM1; p=X')).toBe('v=DKIM1; p=X');
  });

  it('refuses requests without an address or with a bad domain', () => {
    expect(dnsPlanRequest.safeParse({ domain: 'example.org' }).success).toBe(false);
    expect(dnsPlanRequest.safeParse({ domain: 'exa mple.org', ipv4: '192.0.2.1' }).success).toBe(false);
    expect(dnsPlanRequest.safeParse({ domain: 'example.org', ipv4: '192.0.2.300' }).success).toBe(false);
  });
});

describe('the zone file', () => {
  const { plan } = planRecords({ ...input(), ttl: 3600 });
  const lines = plan.zoneFile.split('\n');

  it('is an RFC 1035 master file with full names and a comment per record', () => {
    expect(lines.slice(2, 4)).toEqual(['$ORIGIN example.org.', '$TTL 3600']);
    expect(plan.zoneFile).toMatch(/^example\.org\. +3600 IN MX +10 mail\.example\.org\.$/m);
    expect(plan.zoneFile).toMatch(/^autodiscover\.example\.org\. +3600 IN CNAME mail\.example\.org\.$/m);
    expect(plan.zoneFile).toMatch(/^example\.org\. +3600 IN CAA +0 issue "letsencrypt\.org"$/m);
    expect(plan.zoneFile).toContain('; (optional) Lets sending servers check');
  });

  it('splits long TXT values into quoted strings of at most 255 bytes', () => {
    const line = lines.find((l) => l.startsWith('f2026-rsa._domainkey'))!;
    const strings = [...line.matchAll(/"([^"]*)"/g)].map((m) => m[1]!);
    expect(strings.length).toBe(2);
    expect(strings[0]).toHaveLength(255);
    expect(strings.join('')).toBe(dkimValue);
  });

  it('escapes quotes and backslashes inside TXT strings', () => {
    const { plan: p } = planRecords({
      ...dnsPlanRequest.parse({
        domain: 'example.org',
        ipv4: '192.0.2.1',
        dkim: [{ selector: 's', value: 'a"b\\c' }],
      }),
      ttl: 60,
    });
    expect(p.zoneFile).toContain('"a\\"b\\\\c"');
  });
});

describe('names', () => {
  it('writes reverse names, relative names and canonical IPv6', () => {
    expect(reverseName('192.0.2.25')).toBe('25.2.0.192.in-addr.arpa');
    expect(reverseName('2001:db8::25')).toBe(
      '5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa',
    );
    expect(relativeName('example.org.', 'example.org')).toBe('@');
    expect(relativeName('_dmarc.example.org', 'example.org')).toBe('_dmarc');
    expect(relativeName('mail.other.net', 'example.org')).toBe('mail.other.net.');
    expect(canonicalIp('2001:0DB8:0000:0000:0000:0000:0000:0025')).toBe('2001:db8::25');
    expect(canonicalIp('2001:db8:0:1:0:0:0:1')).toBe('2001:db8:0:1::1');
    expect(canonicalIp('::1')).toBe('::1');
  });
});

describe('the diff a provider applies', () => {
  const records = buildRecordSet({ ...input(), ttl: 3600 });
  const current = (): ProviderRecord[] => records.map((r) => ({ name: r.name, ttl: r.ttl, data: r.data }));

  it('sends nothing when everything is in place', () => {
    expect(diffRecords(records, current())).toMatchObject({ changes: [], unchanged: records.length });
  });

  it('adds what is missing, replaces what is wrong, and leaves the rest alone', () => {
    const now = current().filter((r) => !(r.data.type === 'SRV' && r.name.startsWith('_imaps')));
    const mx = now.find((r) => r.data.type === 'MX')!;
    mx.data = { type: 'MX', preference: 10, exchange: 'old-provider.example.net' };
    now.push({ name: 'example.org', ttl: 300, data: { type: 'TXT', text: 'google-site-verification=abc' } });
    now.push({
      name: 'example.org',
      ttl: 300,
      data: { type: 'TXT', text: '"v=spf1 include:old.example.net -all"' },
    });
    now.push({
      name: 'example.org',
      ttl: 300,
      data: { type: 'CAA', flags: 0, tag: 'issue', value: 'sectigo.com' },
    });
    now.push({
      name: 'mta-sts.example.org',
      ttl: 300,
      data: { type: 'CNAME', target: 'elsewhere.example.net' },
    });
    const d = diffRecords(records, now);
    const lines = d.changes.map((c) =>
      c.action === 'deleteRRset'
        ? `-* ${c.name} ${c.type}`
        : `${c.action === 'add' ? '+' : '-'} ${c.record.name} ${c.record.data.type}`,
    );
    expect(lines).toEqual([
      '-* example.org MX',
      '+ example.org MX',
      '- example.org TXT', // the old SPF (with stray quotes) only
      '-* mta-sts.example.org CNAME',
      '+ _imaps._tcp.example.org SRV',
    ]);
    // the first "- example.org TXT" is the stray SPF record, never the site verification
    const deleted = d.changes.find((c) => c.action === 'delete');
    expect(
      deleted?.action === 'delete' && deleted.record.data.type === 'TXT' && deleted.record.data.text,
    ).toContain('include:old');
    expect(d).toMatchObject({ added: 1, replaced: 1, removed: 2 });
  });
});
