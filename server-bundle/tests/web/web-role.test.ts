// The web role over real sockets: Thunderbird autoconfig, Outlook autodiscover, the MTA-STS policy
// (RFC 8461 format), http -> https redirects, ACME challenge answers, the DAV reverse proxy and
// bad input answered with clean 4xx.
import { execFileSync } from 'node:child_process';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileChallengeStore } from '../../src/acme/challenge-store.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { TlsProvider } from '../../src/tls/tls-provider.ts';
import { startWeb, type WebOptions, type WebRole } from '../../src/web/start-web.ts';
import { fetchWeb, peerCertificate, rawExchange } from './web-client.ts';

const DOMAIN = 'example.org';
const MAIL = 'mail.example.org';
const NAMES = [MAIL, `mta-sts.${DOMAIN}`, `autoconfig.${DOMAIN}`, `autodiscover.${DOMAIN}`, DOMAIN];

interface Fixture {
  dir: string;
  tls: TlsProvider;
  challenges: FileChallengeStore;
  web: WebRole;
  http: number;
  https: number;
  domains: string[];
}

async function startFixture(extra: Partial<WebOptions> = {}): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'facteur-web-'));
  const tls = await TlsProvider.loadOrCreate({ dir: join(dir, 'tls'), hostNames: NAMES });
  const challenges = new FileChallengeStore(join(dir, 'acme', 'challenges'));
  const domains = [DOMAIN];
  const web = await startWeb(
    { listDomains: () => domains, tls, challenges, log: silentLogger },
    {
      listeners: [
        { host: '127.0.0.1', port: 0, scheme: 'http' },
        { host: '127.0.0.1', port: 0, scheme: 'https' },
      ],
      hostNames: [MAIL],
      endpoints: { host: MAIL, imaps: 993, pop3s: 995, submissions: 465, submission: 587 },
      mtaSts: { mode: 'enforce', mx: [MAIL, '*.backup.example.net'], maxAgeSeconds: 604800 },
      httpsPort: 443,
      maxBodyBytes: 4096,
      domainsRefreshMs: 0,
      ...extra,
    },
  );
  const port = (scheme: 'http' | 'https') => web.addresses.find((a) => a.scheme === scheme)!.port;
  return { dir, tls, challenges, web, http: port('http'), https: port('https'), domains };
}

async function stopFixture(f: Fixture): Promise<void> {
  await f.web.close();
  rmSync(f.dir, { recursive: true, force: true });
}

/** Parses XML with a real parser (Python's expat) and returns every element as [path, text, attrs]. */
function parseXml(xml: string): Array<[string, string, Record<string, string>]> {
  const script = `
import sys, json, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.read())
out = []
def walk(e, path):
    tag = e.tag.split('}')[-1]
    p = path + '/' + tag
    out.append([p, (e.text or '').strip(), e.attrib])
    for c in e: walk(c, p)
walk(root, '')
print(json.dumps(out))`;
  return JSON.parse(execFileSync('python3', ['-c', script], { input: xml }).toString());
}

function securityHeadersOk(h: IncomingHttpHeaders): void {
  expect(h['x-content-type-options']).toBe('nosniff');
  expect(h['content-security-policy']).toContain("default-src 'none'");
  expect(h['x-frame-options']).toBe('DENY');
  expect(h['referrer-policy']).toBe('no-referrer');
}

const OUTLOOK_REQUEST = (address: string) => `<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">
  <Request>
    <EMailAddress>${address}</EMailAddress>
    <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>
  </Request>
</Autodiscover>`;

describe('web role', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture();
  });
  afterAll(async () => {
    await stopFixture(f);
  });
  const https = (host: string, path: string, more: Partial<Parameters<typeof fetchWeb>[0]> = {}) =>
    fetchWeb({ scheme: 'https', port: f.https, host, path, ca: f.tls.material.cert, ...more });
  const http = (host: string, path: string, more: Partial<Parameters<typeof fetchWeb>[0]> = {}) =>
    fetchWeb({ scheme: 'http', port: f.http, host, path, ...more });

  it('serves Thunderbird autoconfig at autoconfig.<domain> with IMAP 993, POP3 995, SMTP 465 and 587', async () => {
    const r = await https(`autoconfig.${DOMAIN}`, '/mail/config-v1.1.xml?emailaddress=alice%40example.org');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^application\/xml/);
    securityHeadersOk(r.headers);
    expect(r.headers['strict-transport-security']).toBeUndefined(); // self-signed: no HSTS yet
    const els = parseXml(r.body);
    expect(els[0]![0]).toBe('/clientConfig');
    expect(els[0]![2]).toEqual({ version: '1.1' });
    expect(els.find(([p]) => p === '/clientConfig/emailProvider/domain')![1]).toBe(DOMAIN);
    const servers = ['incomingServer', 'outgoingServer'].flatMap((tag) =>
      els
        .map((e, i) => [e, i] as const)
        .filter(([[p]]) => p === `/clientConfig/emailProvider/${tag}`)
        .map(([[, , attrs], i]) => {
          const field = (name: string) =>
            els.slice(i + 1).find(([p]) => p === `/clientConfig/emailProvider/${tag}/${name}`)![1];
          return [
            attrs.type,
            field('hostname'),
            field('port'),
            field('socketType'),
            field('username'),
            field('authentication'),
          ].join(' ');
        }),
    );
    expect(servers).toEqual([
      `imap ${MAIL} 993 SSL %EMAILADDRESS% password-cleartext`,
      `pop3 ${MAIL} 995 SSL %EMAILADDRESS% password-cleartext`,
      `smtp ${MAIL} 465 SSL %EMAILADDRESS% password-cleartext`,
      `smtp ${MAIL} 587 STARTTLS %EMAILADDRESS% password-cleartext`,
    ]);
  });

  it('serves the .well-known autoconfig path on the mail host for ?emailaddress=, refusing other domains', async () => {
    const ok = await https(MAIL, '/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=bob@example.org');
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('<domain>example.org</domain>');
    expect((await https(`autoconfig.${DOMAIN}`, '/.well-known/autoconfig/mail/config-v1.1.xml')).status).toBe(
      200,
    );
    const missing = await https(MAIL, '/.well-known/autoconfig/mail/config-v1.1.xml');
    expect(missing.status).toBe(400);
    expect(missing.body).toContain('emailaddress');
    expect(
      (await https(MAIL, '/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=eve@elsewhere.net'))
        .status,
    ).toBe(404);
    expect((await https(MAIL, '/mail/config-v1.1.xml')).status).toBe(404); // only on autoconfig.<domain>
  });

  it('answers Outlook autodiscover (POX) for a served address', async () => {
    const r = await https(`autodiscover.${DOMAIN}`, '/Autodiscover/Autodiscover.xml', {
      method: 'POST',
      body: OUTLOOK_REQUEST('alice@example.org'),
      headers: { 'Content-Type': 'text/xml' },
    });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/xml/);
    const els = parseXml(r.body);
    expect(els.find(([p]) => p === '/Autodiscover/Response/Account/Action')![1]).toBe('settings');
    const protocols: string[] = [];
    els.forEach(([p], i) => {
      if (p !== '/Autodiscover/Response/Account/Protocol') return;
      const next = els.slice(i + 1, i + 11);
      const get = (n: string) => next.find(([q]) => q === `${p}/${n}`)?.[1] ?? '-';
      protocols.push(
        [get('Type'), get('Server'), get('Port'), get('SSL'), get('Encryption'), get('LoginName')].join(' '),
      );
    });
    expect(protocols).toEqual([
      `IMAP ${MAIL} 993 on - alice@example.org`,
      `POP3 ${MAIL} 995 on - alice@example.org`,
      `SMTP ${MAIL} 465 on - alice@example.org`,
      `SMTP ${MAIL} 587 - TLS alice@example.org`,
    ]);
    // Lower-case path, on the mail host, works too.
    expect(
      (
        await https(MAIL, '/autodiscover/autodiscover.xml', {
          method: 'POST',
          body: OUTLOOK_REQUEST('bob@example.org'),
        })
      ).status,
    ).toBe(200);
  });

  it('refuses bad autodiscover requests with clear 4xx', async () => {
    const post = (body: string) => https(MAIL, '/autodiscover/autodiscover.xml', { method: 'POST', body });
    expect((await https(MAIL, '/autodiscover/autodiscover.xml')).status).toBe(405);
    const unknown = await post(OUTLOOK_REQUEST('eve@elsewhere.net'));
    expect(unknown.status).toBe(404);
    expect(unknown.body).toContain('elsewhere.net is not served');
    expect((await post('not xml at all')).status).toBe(400);
    expect((await post(OUTLOOK_REQUEST('no-at-sign'))).status).toBe(400);
    const xxe = await post(
      `<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]>` + OUTLOOK_REQUEST('&x;'),
    );
    expect(xxe.status).toBe(400);
    expect(xxe.body).not.toContain('root:');
    const mobile = await post(
      OUTLOOK_REQUEST('alice@example.org').replace(
        'outlook/responseschema/2006a',
        'mobilesync/responseschema/2006',
      ),
    );
    expect(mobile.status).toBe(400);
    const big = await post(OUTLOOK_REQUEST('alice@example.org') + ' '.repeat(5000));
    expect(big.status).toBe(413);
  });

  it('publishes the MTA-STS policy in the RFC 8461 format on mta-sts.<domain> only', async () => {
    const r = await https(`mta-sts.${DOMAIN}`, '/.well-known/mta-sts.txt');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/plain/);
    expect(r.body).toBe(
      `version: STSv1\r\nmode: enforce\r\nmx: ${MAIL}\r\nmx: *.backup.example.net\r\nmax_age: 604800\r\n`,
    );
    // RFC 8461 §3.2: key/value pairs separated by CRLF; version first; mode, max_age once; mx one or more.
    const fields = r.body
      .split('\r\n')
      .filter(Boolean)
      .map((l) => /^([a-z_]+): ([^\r\n]+)$/.exec(l)!.slice(1));
    expect(fields[0]).toEqual(['version', 'STSv1']);
    expect(fields.filter(([k]) => k === 'mode')).toHaveLength(1);
    expect(Number(fields.find(([k]) => k === 'max_age')![1])).toBeLessThanOrEqual(31557600);
    expect((await https(MAIL, '/.well-known/mta-sts.txt')).status).toBe(404);
    expect(
      (await https(`mta-sts.${DOMAIN}`, '/.well-known/mta-sts.txt', { method: 'POST', body: 'x' })).status,
    ).toBe(405);
  });

  it('redirects port 80 to https for served hosts, keeping path, query and method', async () => {
    const r = await http(MAIL, '/some/path?x=1');
    expect(r.status).toBe(301);
    expect(r.headers.location).toBe(`https://${MAIL}/some/path?x=1`);
    const post = await http(`autodiscover.${DOMAIN}`, '/autodiscover/autodiscover.xml', {
      method: 'POST',
      body: 'x',
    });
    expect(post.status).toBe(308);
    expect(post.headers.location).toBe(`https://autodiscover.${DOMAIN}/autodiscover/autodiscover.xml`);
    const unknown = await http('evil.example.net', '/');
    expect(unknown.status).toBe(421);
    expect(unknown.headers.location).toBeUndefined();
    expect((await https('evil.example.net', '/', { ca: undefined })).status).toBe(421);
  });

  it('answers ACME HTTP-01 challenges on port 80 for any host name, from tokens another process wrote', async () => {
    const token = 'tok_' + 'A'.repeat(40) + '-9';
    await new FileChallengeStore(join(f.dir, 'acme', 'challenges')).put(token, `${token}.thumbprint`);
    const r = await http('unknown-yet.example.com', `/.well-known/acme-challenge/${token}`);
    expect(r.status).toBe(200);
    expect(r.body).toBe(`${token}.thumbprint`);
    expect(r.headers.location).toBeUndefined();
    expect((await http(MAIL, '/.well-known/acme-challenge/nope')).status).toBe(404);
    expect((await http(MAIL, '/.well-known/acme-challenge/..%2f..%2fsecrets.json')).status).toBe(404);
    expect((await http(MAIL, '/.well-known/acme-challenge/a/b')).status).toBe(404);
    expect(
      (await http(MAIL, `/.well-known/acme-challenge/${token}`, { method: 'POST', body: '' })).status,
    ).toBe(405);
    await f.challenges.remove(token);
    expect((await http(MAIL, `/.well-known/acme-challenge/${token}`)).status).toBe(404);
  });

  it('redirects /.well-known/caldav and carddav to /dav/, which says 503 until a DAV role exists', async () => {
    for (const p of ['/.well-known/caldav', '/.well-known/carddav']) {
      const r = await https(MAIL, p);
      expect(r.status).toBe(301);
      expect(r.headers.location).toBe('/dav/');
    }
    expect((await https(MAIL, '/.well-known/caldav', { method: 'PROPFIND' })).status).toBe(308);
    const dav = await https(MAIL, '/dav/');
    expect(dav.status).toBe(503);
    expect(dav.body).toMatch(/Calendars and contacts are not enabled/);
  });

  it('answers 404 for everything else, with no listing, and keeps headers safe', async () => {
    for (const p of ['/.well-known/', '/mail/', '/etc/passwd', '/../../etc/passwd', '/index.html']) {
      const r = await https(MAIL, p);
      expect(r.status, p).toBe(404);
      securityHeadersOk(r.headers);
    }
    expect((await https(MAIL, '/')).status).toBe(200);
    expect((await https(MAIL, '/', { method: 'DELETE' })).status).toBe(405);
    expect((await https(MAIL, '/%zz')).status).toBe(400);
  });

  it('turns malformed requests into 400/431/413 without crashing', async () => {
    expect(await rawExchange(f.http, 'GARBAGE\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/);
    expect(
      await rawExchange(f.http, `GET / HTTP/1.1\r\nHost: ${MAIL}\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`),
    ).toMatch(/^HTTP\/1\.1 431/);
    expect(
      await rawExchange(f.http, `GET http://${MAIL}/ HTTP/1.1\r\nHost: ${MAIL}\r\nConnection: close\r\n\r\n`),
    ).toMatch(/^HTTP\/1\.1 400/);
    expect(
      await rawExchange(f.https, `GET / HTTP/1.1\r\nHost: bad_host!\r\nConnection: close\r\n\r\n`, {
        tls: true,
        servername: MAIL,
      }),
    ).toMatch(/^HTTP\/1\.1 421/);
    const withBody = await https(`mta-sts.${DOMAIN}`, '/.well-known/mta-sts.txt', {
      body: 'x'.repeat(100),
      headers: { 'Content-Length': '100' },
    });
    expect(withBody.status).toBe(413);
    // Still serving.
    expect((await https(`mta-sts.${DOMAIN}`, '/.well-known/mta-sts.txt')).status).toBe(200);
  });

  it('serves a domain added to the config DB without a restart', async () => {
    expect((await https('autoconfig.example.net', '/mail/config-v1.1.xml', { ca: undefined })).status).toBe(
      421,
    );
    f.domains.push('example.net');
    const r = await https('autoconfig.example.net', '/mail/config-v1.1.xml', { ca: undefined });
    expect(r.status).toBe(200);
    expect(r.body).toContain('<domain>example.net</domain>');
  });

  it('presents a replaced certificate to new connections while an open one keeps working', async () => {
    const before = await peerCertificate(f.https, MAIL);
    const keepAlive = await import('node:https').then(
      ({ Agent }) => new Agent({ keepAlive: true, maxSockets: 1, ca: f.tls.material.cert }),
    );
    const get = (ca?: string) =>
      new Promise<number>((resolve, reject) => {
        import('node:https').then(({ request }) => {
          const req = request(
            {
              host: '127.0.0.1',
              port: f.https,
              path: '/healthz',
              servername: MAIL,
              headers: { Host: MAIL },
              agent: keepAlive,
              ...(ca ? { ca } : {}),
            },
            (res) => {
              res.resume();
              res.on('end', () => resolve(res.statusCode ?? 0));
            },
          );
          req.on('error', reject);
          req.end();
        });
      });
    expect(await get()).toBe(200);
    const { generateSelfSigned } = await import('../../src/tls/forge-adapter.ts');
    const pair = generateSelfSigned({ hostNames: NAMES });
    await f.tls.replace({ key: pair.keyPem, cert: pair.certPem });
    expect(await get()).toBe(200); // same socket, old session
    const after = await peerCertificate(f.https, MAIL);
    expect(after.serialNumber).not.toBe(before.serialNumber);
    expect(after.fingerprint256).toBe(f.tls.info.fingerprint256);
    keepAlive.destroy();
  });
});

describe('web role: DAV behind it', () => {
  let f: Fixture;
  let upstream: Server;
  const seen: Array<{ method: string; url: string; headers: IncomingHttpHeaders; body: string }> = [];
  beforeAll(async () => {
    upstream = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({
          method: req.method!,
          url: req.url!,
          headers: req.headers,
          body: Buffer.concat(chunks).toString(),
        });
        res.writeHead(207, {
          'Content-Type': 'application/xml; charset=utf-8',
          DAV: '1, 2, calendar-access',
        });
        res.end('<multistatus xmlns="DAV:"/>');
      });
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const port = (upstream.address() as { port: number }).port;
    f = await startFixture({ davUpstream: `http://127.0.0.1:${port}`, davMaxBodyBytes: 1000 });
  });
  afterAll(async () => {
    await stopFixture(f);
    await new Promise((r) => upstream.close(r));
  });

  it('proxies any DAV method under /dav/ to the loopback DAV role, with X-Forwarded-*', async () => {
    const r = await fetchWeb({
      scheme: 'https',
      port: f.https,
      host: MAIL,
      path: '/dav/calendars/alice/?depth=1',
      method: 'PROPFIND',
      body: '<propfind xmlns="DAV:"><allprop/></propfind>',
      headers: { Depth: '1', Authorization: 'Basic YWxpY2U6cHc=' },
      ca: f.tls.material.cert,
    });
    expect(r.status).toBe(207);
    expect(r.headers.dav).toBe('1, 2, calendar-access');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    const got = seen.at(-1)!;
    expect(got).toMatchObject({
      method: 'PROPFIND',
      url: '/dav/calendars/alice/?depth=1',
      body: '<propfind xmlns="DAV:"><allprop/></propfind>',
    });
    expect(got.headers['x-forwarded-proto']).toBe('https');
    expect(got.headers['x-forwarded-host']).toBe(MAIL);
    expect(got.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(got.headers.authorization).toBe('Basic YWxpY2U6cHc=');
    expect(got.headers.depth).toBe('1');
  });

  it('refuses oversized DAV bodies with 413 and names a dead upstream with 502', async () => {
    const big = await fetchWeb({
      scheme: 'https',
      port: f.https,
      host: MAIL,
      path: '/dav/x',
      method: 'PUT',
      body: 'x'.repeat(5000),
      ca: f.tls.material.cert,
    });
    expect(big.status).toBe(413);
    await new Promise((r) => upstream.close(r));
    upstream.closeAllConnections();
    const down = await fetchWeb({
      scheme: 'https',
      port: f.https,
      host: MAIL,
      path: '/dav/',
      method: 'PROPFIND',
      ca: f.tls.material.cert,
    });
    expect(down.status).toBe(502);
    expect(down.body).toMatch(/not answering/);
    upstream.listen(0, '127.0.0.1'); // so afterAll can close it
  });

  it('refuses a DAV upstream that is not on loopback', async () => {
    await expect(startFixture({ davUpstream: 'http://192.0.2.1:8080' })).rejects.toThrow(
      /davUpstream must be/,
    );
  });
});
