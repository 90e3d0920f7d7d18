// The control API's HTTP listener: 127.0.0.1 only (the desktop reaches it through an SSH tunnel;
// nothing listens on a public address), bearer-token authentication before anything else,
// size-limited JSON bodies, and every failure as { error: { code, message } }.
// Logged per request: method, route pattern, status, duration — never bodies, queries or tokens.
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../log/logger.ts';
import { ApiError, toApiError, UNAUTHORIZED_BODY } from './api-error.ts';
import type { Router } from './router.ts';

export const CONTROL_HOST = '127.0.0.1';

export interface HttpApiOptions {
  port: number;
  router: Router;
  /** Checks the bearer token (undefined when the header is missing or malformed). */
  authenticate(token: string | undefined): boolean;
  maxBodyBytes: number;
  log: Logger;
}

export interface HttpApi {
  address: string;
  port: number;
  close(): Promise<void>;
}

const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

function bearer(header: string | undefined): string | undefined {
  const m = /^Bearer ([A-Za-z0-9._~+/=-]{1,256})$/.exec(header ?? '');
  return m?.[1];
}

async function readJson(req: IncomingMessage, maxBytes: number, required: boolean): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  const chunked = req.headers['transfer-encoding'] !== undefined;
  if (!chunked && (!Number.isFinite(declared) || declared === 0)) {
    if (required) throw new ApiError(400, 'BODY_REQUIRED', 'a JSON body is required');
    return undefined;
  }
  if (declared > maxBytes) throw new ApiError(413, 'TOO_LARGE', `the body exceeds ${maxBytes} bytes`);
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json')
    throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send JSON with content-type application/json');
  // Events rather than for-await: leaving an async iterator early would destroy the socket before
  // the 413 answer is written. Past the limit we stop reading; the answer closes the connection.
  const chunks = await new Promise<Buffer[]>((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        req.pause();
        reject(new ApiError(413, 'TOO_LARGE', `the body exceeds ${maxBytes} bytes`));
        return;
      }
      parts.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(parts);
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
  const raw = Buffer.concat(chunks);
  const text = raw.toString('utf8');
  // Bodies carry passwords: wipe the bytes we hold (the strings are out of reach, as everywhere in JS).
  raw.fill(0);
  for (const c of chunks) c.fill(0);
  if (!text.trim()) {
    if (required) throw new ApiError(400, 'BODY_REQUIRED', 'a JSON body is required');
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, 'MALFORMED_JSON', 'the body is not valid JSON');
  }
}

function send(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  body: string | undefined,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  const h: Record<string, string | number> = { ...JSON_HEADERS, ...headers };
  // A body we did not read must not be parsed as the next request: close the connection.
  if (!req.complete) h.connection = 'close';
  if (body === undefined) {
    res.writeHead(status, h).end();
    return;
  }
  res.writeHead(status, { ...h, 'content-length': Buffer.byteLength(body) }).end(body);
}

export async function startHttpApi(opts: HttpApiOptions): Promise<HttpApi> {
  const { router, log } = opts;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = performance.now();
    const method = req.method ?? 'GET';
    let route = '-';
    let status = 500;
    try {
      const url = new URL(req.url ?? '/', 'http://control.invalid');
      // Liveness for container healthchecks: no token, no information.
      if (url.pathname === '/healthz' && method === 'GET') {
        status = 200;
        return send(req, res, 200, '{"ok":true}');
      }
      if (!opts.authenticate(bearer(req.headers.authorization))) {
        status = 401;
        return send(req, res, 401, UNAUTHORIZED_BODY, {
          'www-authenticate': 'Bearer realm="facteur-control"',
        });
      }
      const m = router.match(method, url.pathname);
      if (!m) throw new ApiError(404, 'NOT_FOUND', 'no such endpoint');
      if ('allowed' in m)
        throw new ApiError(405, 'METHOD_NOT_ALLOWED', 'method not allowed here', {
          allow: m.allowed.join(', '),
        });
      route = m.route.pattern;
      const body =
        m.route.body === 'none'
          ? undefined
          : await readJson(req, opts.maxBodyBytes, m.route.body === 'required');
      const out = await m.route.handler({ params: m.params, query: url.searchParams, body });
      status = out.status ?? (out.body === undefined ? 204 : 200);
      send(req, res, status, out.body === undefined ? undefined : JSON.stringify(out.body));
    } catch (err) {
      const e = toApiError(err);
      status = e.status;
      if (e.status >= 500) log.error('control.failed', { method, route, err });
      send(req, res, e.status, JSON.stringify({ error: { code: e.code, message: e.message } }), e.headers);
    } finally {
      const ms = Math.round((performance.now() - started) * 10) / 10;
      (method === 'GET' && status < 400 ? log.debug : log.info)('control.request', {
        method,
        route,
        status,
        ms,
      });
    }
  };

  const server = createServer(
    { requestTimeout: 30_000, headersTimeout: 10_000, keepAliveTimeout: 5_000, maxHeaderSize: 16 * 1024 },
    (req, res) => {
      void handle(req, res);
    },
  );
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable) return socket.destroy();
    const status =
      err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const body = JSON.stringify({
      error: {
        code: status === 431 ? 'HEADERS_TOO_LARGE' : status === 408 ? 'TIMEOUT' : 'BAD_REQUEST',
        message: 'malformed request',
      },
    });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // Loopback only, by construction: the host is not configurable.
    server.listen({ host: CONTROL_HOST, port: opts.port, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as { address: string; port: number };
  log.info('control.listening', { address: addr.address, port: addr.port });
  return {
    address: addr.address,
    port: addr.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
