// The DAV role's HTTP front: loopback only (the web role proxies /dav/ from 443 and adds
// X-Forwarded-For), Basic auth with the mailbox password or an app password (the same accounts
// and login cache as IMAP, the same login throttle), bounded bodies, one mailbox session per
// request. Every failure becomes a plain-words 4xx/5xx; nothing a client sends crashes the process.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DomainError } from '../domain/errors.ts';
import type { MailCore } from '../domain/mail-core.ts';
import type { MailboxSession } from '../domain/mailbox-session.ts';
import type { Logger } from '../log/logger.ts';
import { LoginThrottledError, type LoginThrottle } from '../security/login-throttle.ts';
import { DavStoreError } from '../storage/dav-store.ts';
import { DavError } from './dav-errors.ts';
import {
  ALLOW,
  DAV_HEADER,
  del,
  get,
  mkcollection,
  propfind,
  proppatch,
  put,
  type DavReply,
} from './dav-methods.ts';
import { parseTarget, type DavTarget } from './dav-paths.ts';
import { report } from './dav-reports.ts';
import { checkOwner } from './dav-resources.ts';
import { element, XMLNS_ATTRS, XmlError } from './xml.ts';

export interface DavServerDeps {
  core: MailCore;
  throttle: LoginThrottle;
  log: Logger;
}

export interface DavServerOptions {
  host: string;
  port: number;
  maxBodyBytes: number;
  requestTimeoutMs: number;
}

export interface DavServer {
  readonly address: { address: string; port: number };
  close(): Promise<void>;
}

const REALM = 'Basic realm="Facteur calendars and contacts", charset="UTF-8"';
const METHODS = new Set(ALLOW.split(', '));

function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > max)
    return Promise.reject(new DavError(413, `The request body is too large (at most ${max} bytes).`));
  const enc = req.headers['content-encoding'];
  if (enc && enc !== 'identity')
    return Promise.reject(new DavError(415, 'Compressed request bodies are not accepted.'));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        req.removeAllListeners('data');
        req.resume();
        reject(new DavError(413, `The request body is too large (at most ${max} bytes).`));
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function credentials(req: IncomingMessage): { user: string; pass: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(req.headers.authorization ?? '');
  if (!m) return undefined;
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon <= 0) return undefined;
  return { user: text.slice(0, colon), pass: text.slice(colon + 1) };
}

/** The client's address: the proxy's X-Forwarded-For (we only listen on loopback), else the peer. */
function clientIp(req: IncomingMessage): string {
  const fwd = String(req.headers['x-forwarded-for'] ?? '')
    .split(',')[0]
    ?.trim();
  return fwd || req.socket.remoteAddress || 'unknown';
}

async function login(deps: DavServerDeps, req: IncomingMessage): Promise<MailboxSession> {
  const cred = credentials(req);
  const unauthorized = () =>
    new DavError(401, 'Sign in with your email address and its password (or an app password).', {
      headers: { 'WWW-Authenticate': REALM },
    });
  if (!cred) throw unauthorized();
  const ip = clientIp(req);
  await deps.throttle.assertAllowed(ip);
  try {
    const session = await deps.core.openSession(cred.user, cred.pass, { drain: false });
    await deps.throttle.recordSuccess(ip);
    return session;
  } catch (err) {
    if (err instanceof DomainError && err.code === 'AUTH_FAILED') {
      await deps.throttle.recordFailure(ip);
      deps.log.info('dav.login_failed', { ip });
      throw unauthorized();
    }
    if (err instanceof DomainError && err.code === 'DISABLED')
      throw new DavError(403, 'This mailbox is disabled.');
    throw err;
  }
}

function dispatch(
  session: MailboxSession,
  method: string,
  t: DavTarget,
  req: IncomingMessage,
  body: Buffer,
): DavReply {
  const ctx = { session, address: session.mailbox.address.toLowerCase() };
  checkOwner(ctx, t);
  const h = req.headers as Record<string, string | undefined>;
  switch (method) {
    case 'PROPFIND':
      return propfind(ctx, t, h.depth, body);
    case 'PROPPATCH':
      return proppatch(ctx, t, body);
    case 'MKCOL':
    case 'MKCALENDAR':
      return mkcollection(ctx, t, method, body);
    case 'GET':
    case 'HEAD':
      return get(ctx, t, method === 'HEAD');
    case 'PUT':
      return put(ctx, t, h, body);
    case 'DELETE':
      return del(ctx, t, h['if-match']);
    case 'REPORT':
      return report(ctx, t, body);
    default:
      throw new DavError(405, `${method} is not supported here.`, { headers: { Allow: ALLOW } });
  }
}

function errorReply(err: unknown): DavReply {
  if (err instanceof DavStoreError) {
    const map = {
      PRECONDITION: 412,
      UID_CONFLICT: 409,
      EXISTS: 405,
      NOT_FOUND: 404,
      INVALID_TOKEN: 403,
    } as const;
    return errorReply(new DavError(map[err.code], err.message));
  }
  if (err instanceof XmlError) return errorReply(new DavError(400, err.message));
  if (err instanceof LoginThrottledError)
    return errorReply(
      new DavError(429, err.message, {
        headers: { 'Retry-After': String(Math.ceil(err.retryAfterMs / 1000)) },
      }),
    );
  if (!(err instanceof DavError)) throw err;
  if (err.condition)
    return {
      status: err.status,
      headers: { ...err.headers, 'Content-Type': 'application/xml; charset=utf-8' },
      body: `<?xml version="1.0" encoding="utf-8"?>\n<D:error ${XMLNS_ATTRS}>${element(err.condition)}<D:responsedescription>${err.message.replace(/[<&]/g, ' ')}</D:responsedescription></D:error>`,
    };
  return {
    status: err.status,
    headers: { ...err.headers, 'Content-Type': 'text/plain; charset=utf-8' },
    body: err.message + '\n',
  };
}

async function handle(deps: DavServerDeps, opts: DavServerOptions, req: IncomingMessage): Promise<DavReply> {
  const method = (req.method ?? 'GET').toUpperCase();
  const path = (req.url ?? '/').split('?')[0]!;
  if (path === '/.well-known/caldav' || path === '/.well-known/carddav' || path === '/')
    return { status: 301, headers: { Location: '/dav/' } };
  if (method === 'OPTIONS') return { status: 200, headers: { DAV: DAV_HEADER, Allow: ALLOW } };
  if (!METHODS.has(method))
    throw new DavError(405, `${method} is not supported here.`, { headers: { Allow: ALLOW } });
  const t = parseTarget(req.url ?? '/');
  const session = await login(deps, req);
  try {
    const body = await readBody(req, opts.maxBodyBytes);
    return dispatch(session, method, t, req, body);
  } finally {
    session.close();
  }
}

export async function startDavServer(deps: DavServerDeps, opts: DavServerOptions): Promise<DavServer> {
  const server: Server = createServer({
    requestTimeout: opts.requestTimeoutMs,
    headersTimeout: opts.requestTimeoutMs,
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    void handle(deps, opts, req)
      .catch((err: unknown) => {
        try {
          return errorReply(err);
        } catch {
          deps.log.error('dav.internal_error', { method: req.method, error: (err as Error).message });
          return {
            status: 500,
            headers: { 'Content-Type': 'text/plain; charset=utf-8' },
            body: 'The server failed to answer this request.\n',
          };
        }
      })
      .then((r) => {
        if (!req.complete) res.setHeader('Connection', 'close');
        const body = r.body === undefined ? undefined : Buffer.from(r.body, 'utf8');
        res.writeHead(r.status, {
          ...r.headers,
          ...(body ? { 'Content-Length': String(body.length) } : {}),
          DAV: DAV_HEADER,
        });
        res.end(body);
        deps.log.debug('dav.request', {
          method: req.method,
          status: r.status,
          ms: Math.round(performance.now() - started),
        });
      });
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const a = server.address() as AddressInfo;
  return {
    address: { address: a.address, port: a.port },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
