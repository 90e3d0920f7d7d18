import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { createApp } from '../../src/main/app';
import { loadConfig } from '../../src/main/config';
import { createDispatcher } from '../../src/main/ipc/dispatcher';
import { startBrowserHost, type BrowserHost } from '../../src/main/browser-host/server';

let host: BrowserHost;
let emit: () => void;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'facteur-host-'));
  const rendererDir = join(dir, 'renderer');
  mkdirSync(rendererDir);
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Facteur</title>');
  writeFileSync(join(dir, 'secret.txt'), 'do not serve');
  const app = createApp({
    config: loadConfig({ FACTEUR_HOME: join(dir, 'home') }),
    runtime: 'browser',
    version: '1.2.3',
  });
  emit = () => app.events.emit('log', { level: 'info', message: 'hello', at: new Date(0).toISOString() });
  host = await startBrowserHost({
    dispatch: createDispatcher(app.handlers),
    events: app.events,
    rendererDir,
  });
});
afterAll(() => host.close());

function connect(token: string, origin: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${host.origin.replace('http', 'ws')}/api?token=${encodeURIComponent(token)}`, {
      origin,
    });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function call(ws: WebSocket, id: number, method: string, request: unknown): Promise<unknown> {
  return new Promise((resolve) => {
    ws.on('message', function onMessage(data) {
      const msg = JSON.parse(data.toString()) as { id?: number; envelope?: unknown };
      if (msg.id === id) {
        ws.off('message', onMessage);
        resolve(msg.envelope);
      }
    });
    ws.send(JSON.stringify({ id, method, request }));
  });
}

describe('the browser host', () => {
  it('listens on loopback only', () => {
    expect(host.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('serves the renderer with the CSP and nothing outside it', async () => {
    const page = await fetch(`${host.origin}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect((await fetch(`${host.origin}/..%2fsecret.txt`)).status).toBe(404);
    expect((await fetch(`${host.origin}/%2e%2e/secret.txt`)).status).toBe(404);
  });

  it('refuses a socket without the token or from another origin', async () => {
    await expect(connect('wrong-token', host.origin)).rejects.toThrow(/403/);
    await expect(connect(host.token, 'http://evil.example')).rejects.toThrow(/403/);
    await expect(connect(host.token, 'http://localhost:1')).rejects.toThrow(/403/);
  });

  it('carries the contract and push events for the right client', async () => {
    const ws = await connect(host.token, host.origin);
    expect(await call(ws, 1, 'appInfo', {})).toEqual({
      ok: true,
      value: { name: 'Facteur', version: '1.2.3', runtime: 'browser' },
    });
    expect(await call(ws, 2, 'addServer', { host: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION' },
    });
    const event = new Promise((resolve) => ws.once('message', (d) => resolve(JSON.parse(d.toString()))));
    emit();
    expect(await event).toMatchObject({ event: 'log', payload: { message: 'hello' } });
    ws.close();
  });

  it('drops a client that sends garbage, and keeps serving others', async () => {
    const bad = await connect(host.token, host.origin);
    const closed = new Promise<number>((resolve) => bad.once('close', (code) => resolve(code)));
    bad.send('{not json');
    expect(await closed).toBe(1003);
    const good = await connect(host.token, host.origin);
    expect(await call(good, 1, 'listServers', {})).toEqual({ ok: true, value: [] });
    good.close();
  });
});
