// The control API's envelope over real sockets: loopback-only listener, bearer-token auth with a
// constant 401, token rotation, health from role heartbeats, and malformed or oversized requests
// answered with 4xx JSON while the server keeps serving.
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoleHeartbeats } from '../../src/metrics/heartbeat.ts';
import { startControlHarness, type ControlHarness } from './control-harness.ts';
import { http, type HttpResult } from './http-client.ts';

let h: ControlHarness;
beforeAll(async () => {
  h = await startControlHarness({ roles: ['mx', 'imap', 'pop3'] });
});
afterAll(() => h?.stop());

function tryConnect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.setTimeout(2000, () => {
      s.destroy();
      resolve('timeout');
    });
    s.once('connect', () => {
      s.destroy();
      resolve('connected');
    });
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
  });
}

/** Raw bytes in, raw reply out (for requests no HTTP client would send). */
function rawExchange(port: number, bytes: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port });
    let out = '';
    s.on('data', (d) => (out += d.toString('latin1')));
    s.on('close', () => resolve(out));
    s.on('error', reject);
    s.write(bytes);
  });
}

describe('listener', () => {
  it('is bound to 127.0.0.1 only: other loopback and every non-loopback address refuse', async () => {
    expect(h.api.address).toBe('127.0.0.1');
    expect(await tryConnect('127.0.0.1', h.api.port)).toBe('connected');
    const others = ['127.0.0.2', '127.1.2.3', '::1'];
    for (const list of Object.values(networkInterfaces())) {
      for (const a of list ?? []) if (!a.internal && !a.address.startsWith('fe80')) others.push(a.address);
    }
    expect(others.length).toBeGreaterThan(3); // this machine has non-loopback addresses to try
    for (const host of others)
      expect([host, await tryConnect(host, h.api.port)]).toEqual([host, 'ECONNREFUSED']);
  });
});

describe('authentication', () => {
  it('refuses a missing, malformed or wrong token with the same 401 body', async () => {
    const attempts = [
      await http(h.base, 'GET', '/v1/version'),
      await http(h.base, 'GET', '/v1/version', { headers: { authorization: 'Basic YWRtaW46YWRtaW4=' } }),
      await http(h.base, 'GET', '/v1/version', { token: 'fct_' + 'A'.repeat(43) }),
      await http(h.base, 'GET', '/v1/version', {
        token: h.token.slice(0, -1) + (h.token.endsWith('A') ? 'B' : 'A'),
      }),
      await http(h.base, 'GET', '/v1/version', { token: h.token + 'x' }),
      await http(h.base, 'GET', '/v1/nothing-here', { token: 'nope' }),
      await http(h.base, 'POST', '/v1/domains', { token: 'nope', body: { name: 'x.test' } }),
    ];
    for (const r of attempts) {
      expect(r.status).toBe(401);
      expect(r.text).toBe(attempts[0]!.text);
      expect(r.headers['www-authenticate']).toMatch(/^Bearer/);
    }
    expect(attempts[0]!.json).toEqual({
      error: { code: 'UNAUTHORIZED', message: 'a valid bearer token is required' },
    });
    // The request that was refused changed nothing.
    expect(h.core.config.getDomain('x.test')).toBeUndefined();
  });

  it('serves with the token; /healthz answers without one and says nothing', async () => {
    const v = await h.call('GET', '/v1/version');
    expect(v.status).toBe(200);
    expect(v.json).toMatchObject({ version: '9.9.9-test', api: 'v1' });
    expect(v.headers['content-type']).toMatch(/^application\/json/);
    expect(v.headers['cache-control']).toBe('no-store');
    const z = await http(h.base, 'GET', '/healthz');
    expect([z.status, z.json]).toEqual([200, { ok: true }]);
  });

  it('rotates the token: the new one works, the old one stops at once', async () => {
    const old = h.token;
    const r = await h.call('POST', '/v1/token/rotate');
    expect(r.status).toBe(200);
    expect(r.json.token).toMatch(/^fct_[A-Za-z0-9_-]{43}$/);
    expect(r.json.token).not.toBe(old);
    h.token = r.json.token;
    expect((await http(h.base, 'GET', '/v1/version', { token: old })).status).toBe(401);
    expect((await h.call('GET', '/v1/version')).status).toBe(200);
    // Issued out of band (the `control-token` command does this over SSH): the API follows at once.
    const fresh = h.tokens.issue();
    expect((await h.call('GET', '/v1/version')).status).toBe(401);
    h.token = fresh;
    expect((await h.call('GET', '/v1/version')).status).toBe(200);
  });
});

describe('health', () => {
  it('reports each role from its heartbeats: up, stopped, down, unknown', async () => {
    const mx = await startRoleHeartbeats(h.redisConn, ['mx'], { intervalMs: 100, version: 'test' });
    const imap = await startRoleHeartbeats(h.redisConn, ['imap'], { intervalMs: 100, version: 'test' });
    let r = await h.call('GET', '/v1/health');
    expect(r.status).toBe(200);
    const byRole = () =>
      Object.fromEntries(
        (r.json.roles as Array<{ role: string; status: string }>).map((x) => [x.role, x.status]),
      );
    expect(byRole()).toEqual({ mx: 'up', imap: 'up', pop3: 'unknown' });
    expect(r.json.status).toBe('degraded');
    expect(r.json.redis).toBe('up');
    expect(r.json.certificate.selfSigned).toBe(true);

    await imap.stop(); // said goodbye
    // A role that crashed: its last heartbeat ages.
    await h.redisConn.set(
      'roles:pop3:heartbeat',
      JSON.stringify({
        pid: 1,
        host: 'x',
        version: 'x',
        startedAt: Date.now() - 60_000,
        at: Date.now() - 1_000,
        state: 'running',
      }),
    );
    r = await h.call('GET', '/v1/health');
    expect(byRole()).toEqual({ mx: 'up', imap: 'stopped', pop3: 'down' });

    // Started again: a restart is counted.
    const imap2 = await startRoleHeartbeats(h.redisConn, ['imap'], { intervalMs: 100, version: 'test' });
    r = await h.call('GET', '/v1/health');
    const imapStatus = (
      r.json.roles as Array<{ role: string; status: string; restarts: number; starts: number }>
    ).find((x) => x.role === 'imap')!;
    expect(imapStatus).toMatchObject({ status: 'up', starts: 2, restarts: 1 });
    await Promise.all([mx.stop(), imap2.stop()]);
  });

  it('shows the certificate the roles present', async () => {
    const r = await h.call('GET', '/v1/certificate');
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ selfSigned: true, altNames: expect.arrayContaining(['DNS:localhost']) });
    expect(r.json.daysLeft).toBeGreaterThan(300);
    expect(Date.parse(r.json.notAfter)).toBe(h.tls.info.notAfter.getTime());
  });
});

describe('bad requests', () => {
  it('answers 4xx JSON for oversized, malformed, mistyped and unknown input, and keeps serving', async () => {
    const big = { name: 'a'.repeat(100 * 1024) };
    const cases: Array<[number, string, Promise<{ status: number; json: HttpResult['json'] }>]> = [
      [413, 'TOO_LARGE', h.call('POST', '/v1/domains', { body: big })],
      [413, 'TOO_LARGE', h.call('POST', '/v1/domains', { body: big, chunked: true })],
      [400, 'MALFORMED_JSON', h.call('POST', '/v1/domains', { raw: '{"name": "x.test"' })],
      [
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        h.call('POST', '/v1/domains', {
          raw: 'name=x.test',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        }),
      ],
      [400, 'BODY_REQUIRED', h.call('POST', '/v1/domains')],
      [400, 'INVALID', h.call('POST', '/v1/domains', { body: { name: 'x.test', admin: true } })],
      [400, 'INVALID', h.call('POST', '/v1/domains', { body: { name: 42 } })],
      [400, 'INVALID', h.call('POST', '/v1/domains', { body: ['x.test'] })],
      [400, 'INVALID', h.call('POST', '/v1/domains', { body: { name: 'not a domain' } })],
      [
        400,
        'INVALID',
        h.call('POST', '/v1/mailboxes', {
          body: { address: 'a@b.test', password: 'short', recoveryPublicKey: 'AAAA' },
        }),
      ],
      [400, 'INVALID', h.call('GET', '/v1/metrics?series=cpu&range=forever')],
      [400, 'INVALID', h.call('GET', '/v1/mailboxes/%E0%A4%A')],
      [404, 'NOT_FOUND', h.call('GET', '/v1/nothing')],
      [405, 'METHOD_NOT_ALLOWED', h.call('PUT', '/v1/domains', { body: {} })],
    ];
    for (const [status, code, p] of cases) {
      const r = await p;
      expect([r.status, r.json?.error?.code]).toEqual([status, code]);
      expect(typeof r.json.error.message).toBe('string');
    }
    // Error messages name the field, never echo the value.
    const r = await h.call('POST', '/v1/mailboxes', {
      body: { address: 'a@b.test', password: 'SECRET-VALUE-1', recoveryPublicKey: '!!' },
    });
    expect(r.status).toBe(400);
    expect(r.text).not.toContain('SECRET-VALUE-1');

    // Not HTTP at all, and headers beyond the limit.
    expect(await rawExchange(h.api.port, 'HELLO THERE\r\n\r\n')).toMatch(
      /^HTTP\/1\.1 400 [\s\S]*"code":"BAD_REQUEST"/,
    );
    const huge = `GET /v1/version HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`;
    expect(await rawExchange(h.api.port, huge)).toMatch(/^HTTP\/1\.1 431 /);

    expect((await h.call('GET', '/v1/version')).status).toBe(200);
    expect(h.core.config.listDomains().map((d) => d.name)).toEqual(['example.com']);
  });
});
