/**
 * The browser host: the same services and renderer, served to an ordinary browser.
 * HTTP serves the built renderer; a WebSocket at /api carries the contract. Both listen on
 * 127.0.0.1 only; the socket requires the per-run token and the host's own Origin.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Dispatch } from '../ipc/dispatcher';
import type { EventBus } from '../ipc/events';
import { contentSecurityPolicy } from '../window/security-policy';

export interface BrowserHostOptions {
  dispatch: Dispatch;
  events: EventBus;
  rendererDir: string;
  port?: number;
  token?: string;
}

export interface BrowserHost {
  url: string;
  origin: string;
  token: string;
  close(): Promise<void>;
}

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

const maxMessageBytes = 1024 * 1024;

export async function startBrowserHost(options: BrowserHostOptions): Promise<BrowserHost> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const root = normalize(options.rendererDir);
  let origin = '';

  const server: Server = createServer((req, res) => {
    void (async () => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      const file = normalize(join(root, path === '/' ? 'index.html' : path));
      if (req.method !== 'GET' || (file !== root && !file.startsWith(root + sep))) {
        res.writeHead(404).end();
        return;
      }
      try {
        const body = await readFile(file);
        res.writeHead(200, {
          'Content-Type': types[extname(file)] ?? 'application/octet-stream',
          'Content-Security-Policy': contentSecurityPolicy,
          'X-Content-Type-Options': 'nosniff',
          'Referrer-Policy': 'no-referrer',
          'Cache-Control': 'no-store',
        });
        res.end(body);
      } catch {
        res.writeHead(404).end();
      }
    })();
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: maxMessageBytes });
  server.on('upgrade', (req, socket, head) => {
    if (!authorised(req, origin, token)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serve(ws, options));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('The browser host has no address');
  origin = `http://127.0.0.1:${address.port}`;

  return {
    url: `${origin}/#token=${token}`,
    origin,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function authorised(req: IncomingMessage, origin: string, token: string): boolean {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname !== '/api' || req.headers.origin !== origin) return false;
  const given = Buffer.from(url.searchParams.get('token') ?? '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function serve(ws: WebSocket, options: BrowserHostOptions): void {
  const unsubscribe = options.events.subscribe((event, payload) =>
    ws.send(JSON.stringify({ event, payload })),
  );
  ws.on('close', unsubscribe);
  ws.on('message', (data) => {
    let message: { id?: unknown; method?: unknown; request?: unknown };
    try {
      message = JSON.parse(data.toString()) as typeof message;
    } catch {
      ws.close(1003, 'Malformed message');
      return;
    }
    if (typeof message.id !== 'number' || typeof message.method !== 'string') {
      ws.close(1003, 'Malformed message');
      return;
    }
    const id = message.id;
    void options.dispatch(message.method, message.request).then((envelope) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id, envelope }));
    });
  });
}
