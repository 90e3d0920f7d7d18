// What the web role answers.
//   port 80   /.well-known/acme-challenge/<token> (any host: the CA asks by name, the token is the
//             secret), /healthz, everything else for a served host -> https (301, 308 keeping POST)
//   port 443  mta-sts.<domain>/.well-known/mta-sts.txt, Thunderbird autoconfig, Outlook autodiscover,
//             /.well-known/caldav|carddav -> /dav/, /dav/* -> the DAV role on loopback, /healthz
// Unknown hosts get 421; unknown paths 404; wrong methods 405; oversized or malformed input 4xx.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log/logger.ts';
import type { ChallengeStore } from '../acme/challenge-store.ts';
import { autoconfigXml } from './autoconfig.ts';
import { autodiscoverResponseXml, parseAutodiscoverRequest } from './autodiscover.ts';
import { proxyToDav } from './dav-proxy.ts';
import {
  HttpError,
  readBody,
  redirect,
  requestHost,
  requestTarget,
  send,
  type SecurityHeaderOptions,
} from './http-kit.ts';
import type { MailEndpoints } from './mail-endpoints.ts';
import { mtaStsPolicyText, type MtaStsPolicy } from './mta-sts.ts';
import type { SiteNames } from './site-names.ts';

export interface WebSiteDeps {
  sites: SiteNames;
  challenges: ChallengeStore;
  endpoints: MailEndpoints;
  mtaSts: MtaStsPolicy;
  /** Port https redirects point to (443 in production). */
  httpsPort: number;
  dav: URL | undefined;
  maxBodyBytes: number;
  davMaxBodyBytes: number;
  timeoutMs: number;
  /** True once a CA certificate is installed (HSTS is only sent then). */
  trustedCertificate: () => boolean;
  log: Logger;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

const ACME_PREFIX = '/.well-known/acme-challenge/';
const AUTOCONFIG_PATHS = new Set(['/mail/config-v1.1.xml', '/.well-known/autoconfig/mail/config-v1.1.xml']);
const AUTODISCOVER_PATH = '/autodiscover/autodiscover.xml';

function methodAllowed(req: IncomingMessage, allowed: readonly string[]): void {
  if (!allowed.includes(req.method ?? ''))
    throw new HttpError(405, `Method not allowed here (use ${allowed.join(', ')}).`, {
      Allow: allowed.join(', '),
    });
}

/** Bodies are only read by autodiscover and the DAV proxy; elsewhere a body is refused. */
function noBody(req: IncomingMessage): void {
  if (Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'])
    throw new HttpError(413, 'This resource takes no request body.');
}

function guarded(deps: WebSiteDeps, scheme: 'http' | 'https', handle: Handler): Handler {
  return async (req, res) => {
    const security: SecurityHeaderOptions = { hsts: scheme === 'https' && deps.trustedCertificate() };
    try {
      await handle(req, res);
    } catch (err) {
      if (res.headersSent) return void res.destroy();
      if (err instanceof HttpError) {
        // After a 413 the rest of the body is not worth reading: the connection closes.
        send(req, res, err.status, err.message + '\n', {
          security,
          headers: { ...err.headers, ...(err.status === 413 ? { Connection: 'close' } : {}) },
        });
        if (err.status === 413) req.resume();
        return;
      }
      deps.log.error('web.request_failed', { err, method: req.method, scheme });
      send(req, res, 500, 'Internal error.\n', { security });
    }
  };
}

export function httpHandler(deps: WebSiteDeps): Handler {
  const security: SecurityHeaderOptions = { hsts: false };
  return guarded(deps, 'http', async (req, res) => {
    const { path } = requestTarget(req);
    if (path.startsWith(ACME_PREFIX)) {
      methodAllowed(req, ['GET', 'HEAD']);
      const keyAuthorization = await deps.challenges.get(path.slice(ACME_PREFIX.length));
      if (keyAuthorization === undefined) throw new HttpError(404, 'No such challenge.');
      deps.log.info('web.acme_challenge_served', { host: requestHost(req) ?? null });
      return send(req, res, 200, keyAuthorization, { security, type: 'text/plain' });
    }
    if (path === '/healthz') return send(req, res, 200, 'ok\n', { security });
    const host = requestHost(req);
    if (!deps.sites.classify(host))
      throw new HttpError(421, `This server does not serve ${host ?? 'that host'}.`);
    const port = deps.httpsPort === 443 ? '' : `:${deps.httpsPort}`;
    redirect(req, res, `https://${host}${port}${req.url}`, security);
  });
}

export function httpsHandler(deps: WebSiteDeps): Handler {
  return guarded(deps, 'https', async (req, res) => {
    const security: SecurityHeaderOptions = { hsts: deps.trustedCertificate() };
    const { path, query } = requestTarget(req);
    if (path === '/healthz') return send(req, res, 200, 'ok\n', { security });
    const host = requestHost(req);
    const site = deps.sites.classify(host);
    if (!site) throw new HttpError(421, `This server does not serve ${host ?? 'that host'}.`);

    if (path === '/dav' || path.startsWith('/dav/')) {
      return proxyToDav(req, res, deps.dav, {
        maxBodyBytes: deps.davMaxBodyBytes,
        security,
        timeoutMs: deps.timeoutMs,
      });
    }
    if (path === '/.well-known/caldav' || path === '/.well-known/carddav') {
      return redirect(req, res, '/dav/', security);
    }
    if (path.toLowerCase() === AUTODISCOVER_PATH) {
      methodAllowed(req, ['POST']);
      const request = parseAutodiscoverRequest(await readBody(req, deps.maxBodyBytes));
      if (!deps.sites.isServedDomain(request.domain))
        throw new HttpError(404, `${request.domain} is not served by this server.`);
      deps.log.info('web.autodiscover', { domain: request.domain });
      return send(req, res, 200, autodiscoverResponseXml(request, deps.endpoints), {
        security,
        type: 'text/xml; charset=utf-8',
      });
    }

    methodAllowed(req, ['GET', 'HEAD']);
    noBody(req);
    if (path === '/.well-known/mta-sts.txt') {
      if (site.kind !== 'mta-sts')
        throw new HttpError(
          404,
          'The MTA-STS policy is served at https://mta-sts.<domain>/.well-known/mta-sts.txt.',
        );
      if (deps.mtaSts.mode === 'none' && deps.mtaSts.mx.length === 0)
        throw new HttpError(404, 'No MTA-STS policy is published.');
      return send(req, res, 200, mtaStsPolicyText(deps.mtaSts), {
        security,
        type: 'text/plain',
        headers: { 'Cache-Control': 'max-age=300' },
      });
    }
    if (AUTOCONFIG_PATHS.has(path)) {
      if (path === '/mail/config-v1.1.xml' && site.kind !== 'autoconfig')
        throw new HttpError(404, 'Not found.');
      const domain = autoconfigDomain(deps, site, query);
      deps.log.info('web.autoconfig', { domain });
      return send(req, res, 200, autoconfigXml(domain, deps.endpoints), {
        security,
        type: 'application/xml; charset=utf-8',
      });
    }
    if (path === '/')
      return send(
        req,
        res,
        200,
        `Facteur mail server for ${site.kind === 'mail' ? site.host : site.domain}.\n`,
        { security },
      );
    throw new HttpError(404, 'Not found.');
  });
}

/** The domain an autoconfig request is for: from the host name, else from ?emailaddress=. */
function autoconfigDomain(
  deps: WebSiteDeps,
  site: NonNullable<ReturnType<SiteNames['classify']>>,
  query: URLSearchParams,
): string {
  const address = query.get('emailaddress');
  let fromAddress: string | undefined;
  if (address !== null) {
    const at = address.lastIndexOf('@');
    if (at <= 0 || address.length > 320) throw new HttpError(400, 'emailaddress must be an e-mail address.');
    fromAddress = address.slice(at + 1).toLowerCase();
  }
  const domain = site.kind === 'mail' ? fromAddress : site.domain;
  if (!domain) throw new HttpError(400, 'Say which address to configure: ?emailaddress=you@example.org.');
  if (!deps.sites.isServedDomain(domain)) throw new HttpError(404, `${domain} is not served by this server.`);
  return domain;
}
