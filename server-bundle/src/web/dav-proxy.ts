// /dav/ on port 443 is the DAV role's (CalDAV/CardDAV), which listens on loopback only: requests are
// streamed to it unchanged (any method: PROPFIND, REPORT, MKCALENDAR…) with X-Forwarded-* added,
// bodies bounded. Until that role exists (davUpstream unset) the answer is a clear 503.
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { HttpError, securityHeaders, send, type SecurityHeaderOptions } from './http-kit.ts';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Parses davUpstream; only plain HTTP to a loopback address is allowed (the DAV role never faces the internet). */
export function parseDavUpstream(value: string): URL | undefined {
  if (!value) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`web.davUpstream is not a URL: ${value}`);
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const loopback = host === 'localhost' || (isIP(host) === 4 && host.startsWith('127.')) || host === '::1';
  if (url.protocol !== 'http:' || !loopback)
    throw new Error(`web.davUpstream must be http://127.0.0.1:<port> or http://[::1]:<port> (got ${value})`);
  return url;
}

function forwardHeaders(req: IncomingMessage, upstreamHost: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const connectionListed = new Set(
    String(req.headers.connection ?? '')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  );
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined || HOP_BY_HOP.has(k) || connectionListed.has(k) || k.startsWith('x-forwarded-'))
      continue;
    out[k] = v;
  }
  out['x-forwarded-for'] = req.socket.remoteAddress ?? '';
  out['x-forwarded-proto'] = 'https';
  out['x-forwarded-host'] = req.headers.host ?? '';
  out.host = upstreamHost;
  return out;
}

export function proxyToDav(
  req: IncomingMessage,
  res: ServerResponse,
  upstream: URL | undefined,
  opts: { maxBodyBytes: number; security: SecurityHeaderOptions; timeoutMs: number },
): void {
  if (!upstream) {
    send(
      req,
      res,
      503,
      'Calendars and contacts are not enabled on this server yet (no DAV role is configured).\n',
      {
        security: opts.security,
        headers: { 'Retry-After': '3600' },
      },
    );
    return;
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > opts.maxBodyBytes)
    throw new HttpError(413, `Request body too large (at most ${opts.maxBodyBytes} bytes).`);
  const up = httpRequest({
    host: upstream.hostname.replace(/^\[|\]$/g, ''),
    port: upstream.port || 80,
    method: req.method,
    path: upstream.pathname.replace(/\/$/, '') + (req.url ?? '/'),
    headers: forwardHeaders(req, upstream.host),
    timeout: opts.timeoutMs,
  });
  let seen = 0;
  req.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > opts.maxBodyBytes) {
      up.destroy();
      if (!res.headersSent)
        send(req, res, 413, `Request body too large (at most ${opts.maxBodyBytes} bytes).\n`, {
          security: opts.security,
        });
      req.resume();
    }
  });
  req.pipe(up);
  up.on('timeout', () => up.destroy(new Error('timeout')));
  up.on('error', () => {
    if (res.headersSent) return void res.destroy();
    if (seen > opts.maxBodyBytes) return;
    send(
      req,
      res,
      502,
      `The calendar and contacts service is not answering on ${upstream.host}; it may be restarting.\n`,
      { security: opts.security },
    );
  });
  up.on('response', (upRes) => {
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(upRes.headers))
      if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = v;
    const sec = securityHeaders(opts.security);
    for (const k of ['X-Content-Type-Options', 'Strict-Transport-Security', 'X-Frame-Options'] as const) {
      if (sec[k] && headers[k.toLowerCase()] === undefined) headers[k] = sec[k];
    }
    res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, headers);
    upRes.pipe(res);
  });
}
