/**
 * The DNS wizard against a real authoritative server: Knot DNS on 127.0.0.54:5354 serving one.test
 * (updatable with a TSIG key), two.test (not updatable) and the reverse zones of the server's
 * documentation addresses. Facteur finds the name servers through an NS lookup, applies its plan
 * with RFC 2136 + TSIG, and checks the records live.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Request } from '../../src/shared/contract';
import { FacteurError } from '../../src/shared/errors';
import { baseZone, startKnot, type Knot } from '../support/knot';
import { freshFacteur } from '../support/facteur';

const ADDRESS = '127.0.0.54';
const PORT = 5354;
const dkimValue = `v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA${'u3Xq9Lr2'.repeat(40)}IDAQAB`;
const plan: Request<'dnsPlan'> = {
  domain: 'one.test',
  ipv4: '192.0.2.25',
  ipv6: '2001:db8::25',
  dkim: [
    { selector: 'f2026-rsa', value: dkimValue },
    { selector: 'f2026-ed', value: 'v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=' },
  ],
};

let knot: Knot;
let f: ReturnType<typeof freshFacteur>;
const provider = () => ({
  kind: 'rfc2136' as const,
  server: ADDRESS,
  port: PORT,
  keyName: knot.key.name,
  secret: knot.key.secret,
});

/** An independent client (knsupdate from knot-dnsutils) changes the zone behind Facteur's back. */
function knsupdate(lines: string[]): void {
  const script = [`server ${ADDRESS} ${PORT}`, 'zone one.test.', ...lines, 'send', ''].join('\n');
  execFileSync('knsupdate', ['-y', `hmac-sha256:${knot.key.name}:${knot.key.secret}`], { input: script });
}

async function failure(p: Promise<unknown>): Promise<FacteurError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FacteurError);
  return err as FacteurError;
}

beforeAll(async () => {
  knot = await startKnot({
    address: ADDRESS,
    port: PORT,
    zones: {
      'one.test': baseZone('one.test', ADDRESS),
      'two.test': baseZone('two.test', ADDRESS),
      '2.0.192.in-addr.arpa': baseZone('2.0.192.in-addr.arpa', ADDRESS, '25 PTR mail.one.test.\n'),
      '8.b.d.0.1.0.0.2.ip6.arpa': baseZone(
        '8.b.d.0.1.0.0.2.ip6.arpa',
        ADDRESS,
        '5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0 PTR mail.one.test.\n',
      ),
    },
    updatable: ['one.test'],
  });
  f = freshFacteur({
    FACTEUR_DNS_SERVERS: `${ADDRESS}:${PORT}`,
    FACTEUR_DNS_AUTH_PORT: String(PORT),
    FACTEUR_DNS_TTL: '300',
    FACTEUR_DNS_TIMEOUT_MS: '1000',
  });
});

afterAll(async () => {
  await knot?.stop();
});

describe('DNS wizard against Knot DNS', () => {
  it('finds the name servers through NS and reports every record missing before the first apply', async () => {
    const report = await f.call('dnsCheck', plan);
    expect(report.problem).toBeUndefined();
    expect(report.nameservers).toEqual([{ name: 'ns1.one.test', addresses: [ADDRESS] }]);
    expect(report.records.length).toBeGreaterThan(20);
    for (const r of report.records) expect(r.status, r.message).toBe('missing');
    expect(report.ptr.map((p) => [p.ip, p.status])).toEqual([
      ['192.0.2.25', 'ok'],
      ['2001:db8::25', 'ok'],
    ]);
  });

  it('exports a zone file that Knot’s own checker accepts', async () => {
    const { zoneFile, records } = await f.call('dnsPlan', plan);
    const dir = mkdtempSync(join(tmpdir(), 'facteur-zone-'));
    const file = join(dir, 'one.test.zone');
    writeFileSync(file, baseZone('one.test', ADDRESS) + zoneFile);
    execFileSync('kzonecheck', ['-o', 'one.test', file]);
    expect(records.find((r) => r.id === 'dkim:f2026-rsa')?.value).toBe(dkimValue);
  });

  it('applies the plan with one signed dynamic update, and everything turns green', async () => {
    const result = await f.call('dnsApply', { plan, provider: provider() });
    expect(result).toMatchObject({ zone: 'one.test', replaced: 0, removed: 0, unchanged: 0 });
    expect(result.added).toBe(result.changes.length);
    expect(result.changes).toContain('add one.test. 300 MX 10 mail.one.test.');
    const report = await f.call('dnsCheck', plan);
    for (const r of report.records) {
      expect(r.status, r.message).toBe('ok');
      expect(r.resolverStatus, r.message).toBe('ok');
      expect(r.hints).toEqual([]);
    }
    const dig = execFileSync('kdig', [
      `@${ADDRESS}`,
      '-p',
      String(PORT),
      '+short',
      'f2026-rsa._domainkey.one.test',
      'TXT',
    ]);
    expect(dig.toString()).toMatch(/^"v=DKIM1; k=rsa; p=[^"]{200,}" "[^"]+"\n$/); // split into 255-byte strings
  });

  it('sends nothing the second time, and keeps the key in the vault without showing the secret', async () => {
    const again = await f.call('dnsApply', { plan, provider: { ...provider(), secret: undefined } });
    expect(again).toMatchObject({ added: 0, replaced: 0, removed: 0, changes: [] });
    expect(again.unchanged).toBeGreaterThan(20);
    const saved = await f.call('dnsSavedProvider', { domain: 'one.test' });
    expect(saved).toEqual({
      provider: {
        kind: 'rfc2136',
        server: ADDRESS,
        port: PORT,
        keyName: 'facteur-test',
        algorithm: 'hmac-sha256',
      },
      hasSecret: true,
    });
  });

  it('names a corrupted record precisely, with hints for the classic registrar slips', async () => {
    const corrupted = dkimValue.slice(0, 211) + 'Z' + dkimValue.slice(212);
    knsupdate([
      'update delete f2026-rsa._domainkey.one.test. TXT',
      `update add f2026-rsa._domainkey.one.test. 300 TXT "${corrupted.slice(0, 255)}" "${corrupted.slice(255)}"`,
      'update delete one.test. TXT',
      'update add one.test. 300 TXT "\\"v=spf1 mx -all\\""',
      'update delete _dmarc.one.test. TXT',
      'update add _dmarc.one.test.one.test. 300 TXT "v=DMARC1; p=quarantine; rua=mailto:postmaster@one.test"',
      'update delete _imaps._tcp.one.test. SRV',
      'update add _imaps._tcp.one.test. 300 SRV 0 1 993 mail.one.test.one.test.',
    ]);
    const report = await f.call('dnsCheck', plan);
    const by = (id: string) => report.records.find((r) => r.id === id)!;
    const dkim = by('dkim:f2026-rsa');
    expect(dkim.status).toBe('wrong');
    expect(dkim.message).toBe(
      `DKIM record f2026-rsa._domainkey.one.test: expected p=MIIB…${dkimValue.slice(209, 217)}…, found p=MIIB…${corrupted.slice(209, 217)}… (differs at character 212).`,
    );
    expect(dkim.diff?.at).toBe(212);
    expect(by('spf')).toMatchObject({ status: 'wrong', found: ['"v=spf1 mx -all"'] });
    expect(by('spf').hints.map((h) => h.code)).toEqual(['quotedTxt']);
    expect(by('dmarc').status).toBe('missing');
    expect(by('dmarc').hints[0]).toMatchObject({
      code: 'doubledName',
      params: { name: '_dmarc.one.test.one.test' },
    });
    expect(by('imaps').hints.map((h) => h.code)).toContain('targetMissingDot');
    const others = report.records.filter((r) => !['dkim:f2026-rsa', 'spf', 'dmarc', 'imaps'].includes(r.id));
    for (const r of others) expect(r.status, r.message).toBe('ok');
  });

  it('repairs exactly what is wrong on the next apply, with the saved secret', async () => {
    const repair = await f.call('dnsApply', { plan, provider: { ...provider(), secret: undefined } });
    expect(repair).toMatchObject({ added: 1, replaced: 3, removed: 0 });
    const report = await f.call('dnsCheck', plan);
    for (const r of report.records) expect(r.status, r.message).toBe('ok');
    // The stray record at the doubled name is not Facteur's to delete: it is left alone.
    const stray = execFileSync('kdig', [
      `@${ADDRESS}`,
      '-p',
      String(PORT),
      '+short',
      '_dmarc.one.test.one.test',
      'TXT',
    ]);
    expect(stray.toString()).toContain('v=DMARC1');
  });

  it('refuses a wrong secret, a zone the key may not update, and an unreachable server, in plain words', async () => {
    const wrongSecret = await failure(
      f.call('dnsApply', {
        plan,
        provider: { ...provider(), secret: Buffer.alloc(32, 7).toString('base64') },
      }),
    );
    expect(wrongSecret).toMatchObject({ code: 'DNS_UPDATE_REFUSED', params: { rcode: 'BADSIG' } });
    expect(wrongSecret.message).toBe(
      `The DNS server ${ADDRESS}:${PORT} refused the key facteur-test (BADSIG): check the key name and the secret.`,
    );
    const otherZone = await failure(
      f.call('dnsApply', { plan: { ...plan, domain: 'two.test' }, provider: provider() }),
    );
    expect(otherZone).toMatchObject({
      code: 'DNS_UPDATE_REFUSED',
      params: { rcode: 'BADKEY', zone: 'two.test' },
    });
    expect(otherZone.message).toBe(
      `The DNS server ${ADDRESS}:${PORT} refused the key facteur-test (BADKEY): check the key name, and that the server lets this key update the zone two.test.`,
    );
    const notServed = await failure(
      f.call('dnsApply', { plan: { ...plan, domain: 'elsewhere.test' }, provider: provider() }),
    );
    expect(notServed).toMatchObject({ code: 'DNS_UPDATE_REFUSED', params: { rcode: 'REFUSED' } });
    expect(notServed.message).toBe(
      `The DNS server ${ADDRESS}:${PORT} refused the update (REFUSED): it does not serve the zone elsewhere.test.`,
    );
    const closed = await failure(f.call('dnsApply', { plan, provider: { ...provider(), port: 1 } }));
    expect(closed.code).toBe('UNREACHABLE');
    // The wrong secret was never saved: the right one still works.
    expect(
      (await f.call('dnsApply', { plan, provider: { ...provider(), secret: undefined } })).changes,
    ).toEqual([]);
  });

  it('says when the domain does not exist', async () => {
    const report = await f.call('dnsCheck', { ...plan, domain: 'absent.one.test' });
    expect(report.problem?.code).toBe('noDomain');
    expect(report.records.every((r) => r.status === 'error')).toBe(true);
  });
});
