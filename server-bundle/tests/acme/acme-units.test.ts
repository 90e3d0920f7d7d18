// The pieces of the certificate manager that need no CA: plain-words errors (with Let's Encrypt's
// real wording), the names a certificate covers, the challenge and state files, the status view.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { explainCaError, explainChallengeError } from '../../src/acme/acme-errors.ts';
import { AcmeStore } from '../../src/acme/acme-store.ts';
import { certificateNames, isCertifiableName, uncoveredNames } from '../../src/acme/certificate-names.ts';
import { certificateStatus } from '../../src/acme/certificate-status.ts';
import { FileChallengeStore } from '../../src/acme/challenge-store.ts';
import { generateSelfSigned } from '../../src/tls/forge-adapter.ts';
import { useTmpDir } from '../helpers/tmp.ts';

const tmp = useTmpDir('facteur-acme-');
const TOKEN = 'LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0';

describe('plain-words ACME errors', () => {
  const cases: Array<[string, string, RegExp]> = [
    [
      '203.0.113.7: Fetching http://mail.example.org/.well-known/acme-challenge/X: Connection refused',
      'unreachable',
      /^The certificate authority could not reach http:\/\/mail\.example\.org\/\.well-known\/acme-challenge\/LoqX\w+: check the A\/AAAA records of mail\.example\.org and that port 80 is open/,
    ],
    [
      '203.0.113.7: Fetching http://mail.example.org/.well-known/acme-challenge/X: Timeout during connect (likely firewall problem)',
      'unreachable',
      /port 80 is open/,
    ],
    [
      'DNS problem: NXDOMAIN looking up A for mail.example.org - check that a DNS record exists for this domain',
      'dns',
      /could not find mail\.example\.org in the DNS: add its A \(and AAAA\) record/,
    ],
    [
      '203.0.113.7: Invalid response from http://mail.example.org/.well-known/acme-challenge/X: 404',
      'wrong_answer',
      /Something other than this server answered http:\/\/mail\.example\.org/,
    ],
    [
      'CAA record for mail.example.org prevents issuance',
      'caa',
      /CAA record of mail\.example\.org does not allow/,
    ],
    [
      'too many certificates (5) already issued for this exact set of domains in the last 168h0m0s',
      'rate_limited',
      /rate limit/,
    ],
  ];
  for (const [detail, kind, message] of cases) {
    it(`${kind}: ${detail.slice(0, 50)}…`, () => {
      const e = explainChallengeError(new Error(detail), 'mail.example.org', TOKEN);
      expect(e.kind).toBe(kind);
      expect(e.message).toMatch(message);
      expect(e.message).toContain(detail); // the CA's words stay, in parentheses
    });
  }

  it('names the CA when it cannot be reached or is not trusted', () => {
    const refused = explainCaError(
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:14000'), { code: 'ECONNREFUSED' }),
      'https://acme.test:14000/dir',
    );
    expect(refused.kind).toBe('ca_unreachable');
    expect(refused.message).toMatch(
      /could not reach the certificate authority at acme\.test:14000: check the server's outbound internet access/,
    );
    const untrusted = explainCaError(
      Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }),
      'https://acme.test/dir',
    );
    expect(untrusted.kind).toBe('ca_untrusted');
    expect(untrusted.message).toMatch(/set acme\.caCertFile/);
  });
});

describe('certificate names', () => {
  it('covers the mail host, then <prefix>.<domain> per domain, once each, certifiable names only', () => {
    expect(
      certificateNames({
        hostNames: ['Mail.Example.org.', 'localhost'],
        domains: ['example.org', 'example.net'],
        domainPrefixes: ['mta-sts', 'autoconfig'],
        extraNames: ['mx2.example.org', '127.0.0.1', 'mail.example.org'],
      }),
    ).toEqual([
      'mail.example.org',
      'mta-sts.example.org',
      'autoconfig.example.org',
      'mta-sts.example.net',
      'autoconfig.example.net',
      'mx2.example.org',
    ]);
    for (const n of ['localhost', '::1', '10.0.0.1', 'single', 'box.local', 'a..b.org'])
      expect(isCertifiableName(n), n).toBe(false);
  });

  it('finds the names a certificate does not cover yet (a domain added later)', () => {
    const { certPem } = generateSelfSigned({ hostNames: ['mail.example.org', 'mta-sts.example.org'] });
    expect(
      uncoveredNames(certPem, ['mail.example.org', 'mta-sts.example.org', 'autoconfig.example.org']),
    ).toEqual(['autoconfig.example.org']);
  });
});

describe('ACME files', () => {
  it('challenge tokens: written for the web role, read back, removed, never outside the directory', async () => {
    const dir = join(tmp(), 'challenges');
    const store = new FileChallengeStore(dir);
    await store.put(TOKEN, `${TOKEN}.thumb`);
    expect(await store.get(TOKEN)).toBe(`${TOKEN}.thumb`);
    expect(await store.get('../secrets.json')).toBeUndefined();
    await expect(store.put('../x', 'y')).rejects.toThrow(/not an ACME challenge token/);
    await store.remove(TOKEN);
    expect(await store.get(TOKEN)).toBeUndefined();
    await store.put(TOKEN, 'old');
    expect(await store.sweep(0, Date.now() + 1000)).toBe(1);
  });

  it('account key, status and requests live in private files; a request is taken once', async () => {
    const data = tmp();
    const store = new AcmeStore(data);
    const key = await store.accountKey(async () => 'PEM');
    expect(await store.accountKey(async () => 'OTHER')).toBe(key);
    expect(statSync(join(data, 'acme', 'account.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(data, 'acme')).mode & 0o777).toBe(0o700);
    expect(await store.status()).toEqual({ wanted: false });
    await store.updateStatus({ wanted: true, lastError: 'x' });
    expect(await store.status()).toMatchObject({ wanted: true, lastError: 'x' });
    expect(await store.takeRequest()).toBeUndefined();
    await store.request({ force: true });
    expect(await store.takeRequest()).toMatchObject({ force: true });
    expect(await store.takeRequest()).toBeUndefined();
  });
});

describe('certificate status', () => {
  it('shows subject, names, issuer, expiry, days left, self-signed and the ACME state', () => {
    const now = Date.now();
    const { keyPem, certPem } = generateSelfSigned({
      hostNames: ['mail.example.org', 'mta-sts.example.org'],
      validDays: 90,
      now: new Date(now),
    });
    const s = certificateStatus(
      { key: keyPem, cert: certPem },
      { wanted: true, lastError: 'The certificate authority could not reach…' },
      { renewBeforeDays: 30, now },
    );
    expect(s).toMatchObject({
      altNames: ['mail.example.org', 'mta-sts.example.org'],
      selfSigned: true,
      daysLeft: 89,
      acme: { enabled: true, lastError: 'The certificate authority could not reach…', renewAfter: null },
    });
    expect(s.subject).toContain('CN=mail.example.org');
    expect(s.issuer).toBe(s.subject);
    expect(s.serialNumber).toMatch(/^[0-9A-F]+$/);
  });
});
