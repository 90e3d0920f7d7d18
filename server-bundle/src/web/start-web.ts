// The web role: port 80 (ACME HTTP-01 challenges, redirects to https) and port 443 (MTA-STS,
// autoconfig, autodiscover, DAV behind it), on every configured address. The certificate comes from
// the TlsProvider at each handshake, so a renewal (ACME, any process) applies without a restart
// and without touching open connections.
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { ChallengeStore } from '../acme/challenge-store.ts';
import type { Logger } from '../log/logger.ts';
import { listenDualStack, type Bindable } from '../protocols/listeners.ts';
import type { TlsProvider } from '../tls/tls-provider.ts';
import { parseDavUpstream } from './dav-proxy.ts';
import type { MailEndpoints } from './mail-endpoints.ts';
import { checkMtaStsPolicy } from './mta-sts.ts';
import { SiteNames } from './site-names.ts';
import { httpHandler, httpsHandler, type WebSiteDeps } from './web-handlers.ts';

export interface WebDeps {
  /** Domains served (the config DB's); read again every few seconds. */
  listDomains: () => readonly string[];
  tls: Pick<TlsProvider, 'material' | 'sniCallback' | 'onChange' | 'info'>;
  challenges: ChallengeStore;
  log: Logger;
}

export interface WebListenerSpec {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  scheme: 'http' | 'https';
}

export interface WebOptions {
  listeners: readonly WebListenerSpec[];
  /** The mail host names (config.hostname): the site autoconfig and autodiscover also answer on. */
  hostNames: readonly string[];
  endpoints: MailEndpoints;
  mtaSts: { mode: string; mx: readonly string[]; maxAgeSeconds: number };
  /** Port the http -> https redirects name (443 unless a port offset is in use). */
  httpsPort: number;
  /** Loopback URL of the DAV role; '' or undefined: /dav/ answers 503. */
  davUpstream?: string;
  /** Autodiscover requests. Default 16 KiB. */
  maxBodyBytes?: number;
  /** Requests proxied to the DAV role. Default 25 MiB. */
  davMaxBodyBytes?: number;
  /** Whole request (headers and body), ms. Default 30 s. */
  requestTimeoutMs?: number;
  domainsRefreshMs?: number;
}

export interface WebAddress {
  address: string;
  port: number;
  family: string;
  scheme: 'http' | 'https';
  dualStack: boolean;
}

export interface WebRole {
  readonly addresses: readonly WebAddress[];
  stats(): { connections: number };
  close(): Promise<void>;
}

const MAX_HEADER_BYTES = 16 * 1024;

export async function startWeb(deps: WebDeps, opts: WebOptions): Promise<WebRole> {
  const log = deps.log.child({ role: 'web' });
  const timeoutMs = opts.requestTimeoutMs ?? 30_000;
  const site: WebSiteDeps = {
    sites: new SiteNames({
      hostNames: opts.hostNames,
      listDomains: deps.listDomains,
      refreshMs: opts.domainsRefreshMs,
    }),
    challenges: deps.challenges,
    endpoints: opts.endpoints,
    mtaSts: checkMtaStsPolicy(opts.mtaSts),
    httpsPort: opts.httpsPort,
    dav: parseDavUpstream(opts.davUpstream ?? ''),
    maxBodyBytes: opts.maxBodyBytes ?? 16 * 1024,
    davMaxBodyBytes: opts.davMaxBodyBytes ?? 25 * 1024 * 1024,
    timeoutMs,
    trustedCertificate: () => !deps.tls.info.selfSigned,
    log,
  };
  const onHttp = httpHandler(site);
  const onHttps = httpsHandler(site);
  const servers: Array<HttpServer | HttpsServer> = [];
  const sockets = new Set<Socket>();
  const common = {
    maxHeaderSize: MAX_HEADER_BYTES,
    requestTimeout: timeoutMs,
    headersTimeout: Math.min(timeoutMs, 10_000),
    keepAliveTimeout: 5_000,
  };

  const make = (scheme: 'http' | 'https', host: string, port: number): Bindable => {
    const server =
      scheme === 'http'
        ? createHttpServer(common, (req, res) => void onHttp(req, res))
        : createHttpsServer(
            {
              ...common,
              key: deps.tls.material.key,
              cert: deps.tls.material.cert,
              SNICallback: deps.tls.sniCallback,
              minVersion: 'TLSv1.2',
            },
            (req, res) => void onHttps(req, res),
          );
    server.on('connection', (s: Socket) => {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
    });
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
      // Malformed requests and oversized headers: a bare 400/431, never a stack trace.
      if (!socket.writable) return void socket.destroy();
      const status =
        err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    });
    servers.push(server);
    return {
      listen: () =>
        new Promise((resolve, reject) => {
          server.once('error', reject);
          server.listen({ host, port }, () => {
            server.off('error', reject);
            const a = server.address() as { address: string; port: number; family: string };
            resolve(a);
          });
        }),
      close: () => closeServer(server),
    };
  };
  const stopTlsWatch = deps.tls.onChange((m) => {
    for (const s of servers)
      if ('setSecureContext' in s) s.setSecureContext({ key: m.key, cert: m.cert, minVersion: 'TLSv1.2' });
  });
  const addresses: WebAddress[] = [];
  try {
    for (const spec of opts.listeners) {
      const bound = await listenDualStack(
        { host: spec.host, port: spec.port, tls: spec.scheme === 'https' ? 'implicit' : 'starttls' },
        (host) => make(spec.scheme, host, spec.port),
      );
      addresses.push(
        ...bound.map((a) => ({
          address: a.address,
          port: a.port,
          family: a.family,
          scheme: spec.scheme,
          dualStack: a.dualStack,
        })),
      );
    }
  } catch (err) {
    stopTlsWatch();
    await Promise.allSettled(servers.map(closeServer));
    throw err;
  }
  log.info('web.listening', {
    addresses: addresses.map((a) => `${a.scheme}://[${a.address}]:${a.port}`),
    dav: site.dav?.host ?? null,
  });

  return {
    addresses,
    stats: () => ({ connections: sockets.size }),
    async close() {
      stopTlsWatch();
      await Promise.allSettled(servers.map(closeServer));
      for (const s of sockets) s.destroy();
    },
  };
}

function closeServer(server: HttpServer | HttpsServer): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeIdleConnections();
    // Requests in flight get a moment to finish; then everything goes.
    setTimeout(() => server.closeAllConnections(), 2_000).unref();
  });
}
