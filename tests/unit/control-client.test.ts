import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { ControlClient } from '../../src/main/services/control/control-client';

// A stand-in for the server's control API; the opener plays the SSH tunnel's part with a local socket.
let server: Server;
let port: number;
const seen: Array<{ method?: string; url?: string; auth?: string; body: string }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, auth: req.headers.authorization, body });
      if (req.headers.authorization !== 'Bearer t0ken') {
        res
          .writeHead(401, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { code: 'UNAUTHORIZED', message: 'missing or wrong token' } }));
      } else if (req.url === '/v1/domains' && req.method === 'POST') {
        res
          .writeHead(201, { 'content-type': 'application/json' })
          .end(JSON.stringify({ domain: JSON.parse(body) }));
      } else if (req.method === 'DELETE') {
        res.writeHead(204).end();
      } else {
        res
          .writeHead(404, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { code: 'NOT_FOUND', message: 'no such domain' } }));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const opener = { openTcp: async (host: string, p: number) => connect({ host, port: p }) };

describe('the control API client', () => {
  it('sends the token and JSON, and returns the answer', async () => {
    const client = new ControlClient(opener, { port, token: 't0ken', timeoutMs: 2000 });
    expect(await client.post('/v1/domains', { name: 'one.test' })).toEqual({ domain: { name: 'one.test' } });
    expect(seen.at(-1)).toMatchObject({
      method: 'POST',
      url: '/v1/domains',
      auth: 'Bearer t0ken',
      body: '{"name":"one.test"}',
    });
    expect(await client.delete('/v1/domains/one.test')).toBeUndefined();
  });

  it('turns API errors into plain errors with their status', async () => {
    const client = new ControlClient(opener, { port, token: 't0ken', timeoutMs: 2000 });
    await expect(client.get('/v1/domains/none.test')).rejects.toMatchObject({
      code: 'NOT_FOUND',
      status: 404,
      apiCode: 'NOT_FOUND',
      message: 'no such domain',
    });
    const wrong = new ControlClient(opener, { port, token: 'nope', timeoutMs: 2000 });
    await expect(wrong.get('/v1/health')).rejects.toMatchObject({ status: 401, apiCode: 'UNAUTHORIZED' });
  });
});
