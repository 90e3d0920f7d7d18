// Small HTTP helpers of the web role: responses with the security headers every answer carries,
// bounded body reading, and the request's host name and path checked before anything uses them.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A response with a status chosen by the code that threw it (4xx for bad input). */
export class HttpError extends Error {
  readonly status: number;
  readonly headers: Record<string, string>;
  constructor(status: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.headers = headers;
  }
}

export interface SecurityHeaderOptions {
  /** Only over HTTPS with a CA certificate: HSTS with a self-signed one would lock browsers out. */
  hsts: boolean;
}

export function securityHeaders(opts: SecurityHeaderOptions): Record<string, string> {
  return {
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
    'Cross-Origin-Resource-Policy': 'same-origin',
    ...(opts.hsts ? { 'Strict-Transport-Security': 'max-age=31536000' } : {}),
  };
}

export function send(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  body: string,
  opts: { type?: string; headers?: Record<string, string>; security: SecurityHeaderOptions },
): void {
  const buf = Buffer.from(body, 'utf8');
  res.writeHead(status, {
    ...securityHeaders(opts.security),
    'Content-Type': opts.type ?? 'text/plain; charset=utf-8',
    'Content-Length': String(buf.length),
    'Cache-Control': 'no-store',
    ...opts.headers,
  });
  res.end(req.method === 'HEAD' ? undefined : buf);
}

export function redirect(
  req: IncomingMessage,
  res: ServerResponse,
  location: string,
  security: SecurityHeaderOptions,
  permanent = true,
): void {
  // 301/302 let clients turn a POST into a GET; 308/307 keep the method (DAV clients, autodiscover).
  const keepsMethod = req.method !== 'GET' && req.method !== 'HEAD';
  const status = permanent ? (keepsMethod ? 308 : 301) : keepsMethod ? 307 : 302;
  send(req, res, status, `Moved to ${location}\n`, { security, headers: { Location: location } });
}

/** Reads a body of at most `limit` bytes; larger ones end in 413 without being buffered. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new HttpError(413, `Request body too large (at most ${limit} bytes).`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, `Request body too large (at most ${limit} bytes).`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

const HOST_NAME =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** The request's host name, lowercase, without port or trailing dot; undefined when absent or malformed. */
export function requestHost(req: IncomingMessage): string | undefined {
  const raw = req.headers.host;
  if (!raw || raw.length > 260) return undefined;
  let host = raw.trim().toLowerCase();
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end > 0 && /^[0-9a-f:.]+$/.test(host.slice(1, end)) ? host.slice(1, end) : undefined;
  }
  host = host.replace(/:\d{1,5}$/, '').replace(/\.$/, '');
  return HOST_NAME.test(host) ? host : undefined;
}

export interface RequestTarget {
  /** Raw path (still percent-encoded), always starting with '/'. */
  path: string;
  query: URLSearchParams;
}

/** Origin-form targets only ("/path?query"); anything else (absolute-form, '*', control bytes) is 400. */
export function requestTarget(req: IncomingMessage): RequestTarget {
  const url = req.url ?? '';
  if (!url.startsWith('/') || url.startsWith('//') || url.length > 4096 || /[\x00-\x20\x7f]/.test(url)) {
    throw new HttpError(400, 'Malformed request target.');
  }
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  try {
    decodeURIComponent(path);
    return { path, query: new URLSearchParams(q < 0 ? '' : url.slice(q + 1)) };
  } catch {
    throw new HttpError(400, 'Malformed percent-encoding in the request path.');
  }
}

export function xmlEscape(s: string): string {
  return s.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!,
  );
}
