import { describe, expect, it } from 'vitest';
import { dnsPlanRequest } from '../../src/shared/dns';
import {
  evaluateGroup,
  excerpt,
  firstDifference,
  observedKey,
  type Observed,
} from '../../src/main/services/dns/evaluate';
import { groupPlanned, type ProviderRecord } from '../../src/main/services/dns/provider';
import type { RData } from '../../src/main/services/dns/rdata';
import { buildRecordSet } from '../../src/main/services/dns/record-set';

const p = `MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA${'x7Kq'.repeat(40)}IDAQAB`;
const dkim = `v=DKIM1; k=rsa; p=${p}`;
const records = buildRecordSet({
  ...dnsPlanRequest.parse({
    domain: 'example.org',
    ipv4: '192.0.2.25',
    dkim: [{ selector: 'default', value: dkim }],
  }),
  ttl: 3600,
});

/** The zone as published: the plan, with `edit` applied. */
function observed(edit: (zone: ProviderRecord[]) => ProviderRecord[] = (z) => z): Observed {
  const zone = edit(records.map((r) => ({ name: r.name, ttl: r.ttl, data: r.data })));
  const map = new Map<string, ProviderRecord[]>();
  for (const r of zone) {
    for (const type of [r.data.type, 'A', 'AAAA', 'MX', 'TXT', 'SRV', 'CAA', 'TLSA', 'CNAME']) {
      if (r.data.type !== type && r.data.type !== 'CNAME') continue;
      const key = observedKey(r.name, type);
      map.set(key, [...(map.get(key) ?? []).filter((x) => x !== r), r]);
    }
  }
  return { records: map, failed: new Set() };
}

const replace =
  (name: string, type: string, ...data: RData[]) =>
  (zone: ProviderRecord[]) => [
    ...zone.filter((r) => !(r.name === name && r.data.type === type)),
    ...data.map((d) => ({ name, ttl: 3600, data: d })),
  ];

function check(
  primary: Observed,
  opts: { resolver?: Observed; others?: { server: string; observed: Observed }[] } = {},
) {
  const results = groupPlanned(records).flatMap((g) =>
    evaluateGroup(g, {
      domain: 'example.org',
      primary,
      others: opts.others ?? [],
      resolver: opts.resolver ?? primary,
    }),
  );
  return (id: string) => results.find((r) => r.id === id)!;
}

describe('live check verdicts', () => {
  it('turns every record green when the zone matches', () => {
    const get = check(observed());
    for (const r of records)
      expect(get(r.id)).toMatchObject({ status: 'ok', resolverStatus: 'ok', hints: [] });
  });

  it('names a wrong DKIM value precisely: where it differs, with short excerpts', () => {
    const broken = dkim.slice(0, -2) + 'XY';
    const get = check(
      observed(replace('default._domainkey.example.org', 'TXT', { type: 'TXT', text: broken })),
    );
    const r = get('dkim:default');
    expect(r.status).toBe('wrong');
    expect(r.message).toBe(
      `DKIM record default._domainkey.example.org: expected p=MIIB…AQAB, found p=MIIB…AQXY (differs at character ${dkim.length - 1}).`,
    );
    expect(r.diff).toEqual({ at: dkim.length - 1, expected: 'p=MIIB…AQAB', found: 'p=MIIB…AQXY' });
  });

  it('says when a value is cut short', () => {
    const get = check(
      observed(replace('default._domainkey.example.org', 'TXT', { type: 'TXT', text: dkim.slice(0, 200) })),
    );
    expect(get('dkim:default').message).toContain('found value ends at character 200');
  });

  it('reports a missing record with what is expected', () => {
    const get = check(observed(replace('_dmarc.example.org', 'TXT')));
    expect(get('dmarc')).toMatchObject({
      status: 'missing',
      message:
        'DMARC record _dmarc.example.org: missing (expected v=DMARC1; p=quarantine; rua=mailto:postmaster@example.org).',
    });
  });

  it('hints at TXT values entered with their quotes', () => {
    const get = check(observed(replace('example.org', 'TXT', { type: 'TXT', text: '"v=spf1 mx -all"' })));
    expect(get('spf').status).toBe('wrong');
    expect(get('spf').hints.map((h) => h.code)).toEqual(['quotedTxt']);
  });

  it('hints at a name with the domain typed twice', () => {
    const zone = observed(replace('_dmarc.example.org', 'TXT'));
    zone.records.set(observedKey('_dmarc.example.org.example.org', 'TXT'), [
      {
        name: '_dmarc.example.org.example.org',
        ttl: 3600,
        data: records.find((r) => r.id === 'dmarc')!.data,
      },
    ]);
    const r = check(zone)('dmarc');
    expect(r.hints).toEqual([
      expect.objectContaining({
        code: 'doubledName',
        params: { name: '_dmarc.example.org.example.org', host: '_dmarc', type: 'TXT' },
      }),
    ]);
  });

  it('hints at a target written without its final dot', () => {
    const get = check(
      observed(
        replace('example.org', 'MX', {
          type: 'MX',
          preference: 10,
          exchange: 'mail.example.org.example.org',
        }),
      ),
    );
    expect(get('mx').hints.map((h) => h.code)).toEqual(['targetMissingDot']);
    expect(get('mx').hints[0]!.params).toMatchObject({ expected: 'mail.example.org.' });
  });

  it('hints at SPF split over two TXT records, and at two SPF records', () => {
    const split = check(
      observed(
        replace('example.org', 'TXT', { type: 'TXT', text: 'v=spf1 mx' }, { type: 'TXT', text: '-all' }),
      ),
    );
    expect(split('spf').hints.map((h) => h.code)).toContain('spfSplit');
    const two = check(
      observed(
        replace(
          'example.org',
          'TXT',
          { type: 'TXT', text: 'v=spf1 mx -all' },
          { type: 'TXT', text: 'v=spf1 include:x.net -all' },
        ),
      ),
    );
    expect(two('spf').status).toBe('wrong');
    expect(two('spf').hints.map((h) => h.code)).toEqual(['multipleSpf']);
  });

  it('hints at a DKIM key split into two records, or mangled by spaces and line breaks', () => {
    const split = check(
      observed(
        replace(
          'default._domainkey.example.org',
          'TXT',
          { type: 'TXT', text: dkim.slice(0, 120) },
          { type: 'TXT', text: dkim.slice(120) },
        ),
      ),
    );
    expect(split('dkim:default').hints.map((h) => h.code)).toContain('txtSplit');
    const mangled = dkim.replace('p=MIIB', 'p=MIIB\n ').replace('IDAQAB', 'IDA QAB');
    const spaced = check(
      observed(replace('default._domainkey.example.org', 'TXT', { type: 'TXT', text: mangled })),
    );
    expect(spaced('dkim:default').hints.map((h) => h.code)).toEqual(['whitespace']);
  });

  it('hints at a CNAME at the domain itself', () => {
    const zone = observed();
    const cname: ProviderRecord = {
      name: 'example.org',
      ttl: 3600,
      data: { type: 'CNAME', target: 'parking.example.net' },
    };
    for (const type of ['MX', 'TXT', 'CAA']) zone.records.set(observedKey('example.org', type), [cname]);
    const get = check(zone);
    expect(get('mx').status).toBe('wrong');
    expect(get('mx').message).toContain('found a CNAME to parking.example.net.');
    expect(get('mx').hints.map((h) => h.code)).toContain('apexCname');
    expect(get('caa').hints.map((h) => h.code)).toContain('apexCname');
  });

  it('asks to remove an extra MX that takes mail elsewhere', () => {
    const get = check(
      observed(
        replace(
          'example.org',
          'MX',
          { type: 'MX', preference: 10, exchange: 'mail.example.org' },
          { type: 'MX', preference: 20, exchange: 'mx.old-provider.net' },
        ),
      ),
    );
    expect(get('mx')).toMatchObject({
      status: 'wrong',
      found: ['10 mail.example.org.', '20 mx.old-provider.net.'],
    });
    expect(get('mx').hints).toEqual([
      expect.objectContaining({
        code: 'extraRecords',
        params: expect.objectContaining({ extra: '20 mx.old-provider.net.' }),
      }),
    ]);
  });

  it('accepts another CA beside ours in CAA', () => {
    const get = check(
      observed((z) => [
        ...z,
        {
          name: 'example.org',
          ttl: 3600,
          data: { type: 'CAA', flags: 0, tag: 'issue', value: 'sectigo.com' },
        },
      ]),
    );
    expect(get('caa').status).toBe('ok');
  });

  it('notices a lagging name server and a resolver that still caches the old answer', () => {
    const stale = observed(replace('example.org', 'MX'));
    const get = check(observed(), {
      resolver: stale,
      others: [{ server: 'ns2.example.net', observed: stale }],
    });
    expect(get('mx').status).toBe('ok');
    expect(get('mx').resolverStatus).toBe('missing');
    expect(get('mx').hints.map((h) => h.code)).toEqual(['nameserversDisagree', 'resolverStale']);
  });

  it('marks records whose query failed as errors, not as wrong', () => {
    const zone = observed();
    zone.failed.add(observedKey('example.org', 'MX'));
    expect(check(zone)('mx').status).toBe('error');
  });
});

describe('difference helpers', () => {
  it('finds the first differing character and shows short excerpts', () => {
    expect(firstDifference('abc', 'abc')).toBe(-1);
    expect(firstDifference('abc', 'abd')).toBe(2);
    expect(firstDifference('abc', 'ab')).toBe(2);
    expect(excerpt('short value', 3)).toBe('short value');
    const long = `v=DKIM1; k=rsa; p=${'A'.repeat(100)}B${'C'.repeat(50)}`;
    expect(excerpt(long, 118)).toBe('p=AAAA…AABCCCCC…');
  });
});
