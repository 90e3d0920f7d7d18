// GET /v1/version, GET /v1/health, GET /v1/certificate, POST /v1/token/rotate
import { readRoleStatus, type RoleStatus } from '../../metrics/heartbeat.ts';
import type { CertificateInfo } from '../../tls/tls-provider.ts';
import { ApiError, invalid } from '../api-error.ts';
import type { ControlDeps } from '../control-deps.ts';
import type { Router } from '../router.ts';

export function certificateView(info: CertificateInfo, now = Date.now()) {
  return {
    subject: info.subject,
    altNames: info.altNames,
    notBefore: info.notBefore.toISOString(),
    notAfter: info.notAfter.toISOString(),
    daysLeft: Math.floor((info.notAfter.getTime() - now) / 86_400_000),
    selfSigned: info.selfSigned,
    fingerprint256: info.fingerprint256,
  };
}

export function registerHealthRoutes(router: Router, deps: ControlDeps): void {
  router.get('/v1/version', () => ({ body: { version: deps.version, api: 'v1', node: process.version } }));

  router.get('/v1/health', async () => {
    let roles: RoleStatus[];
    let redis: 'up' | 'down' = 'up';
    try {
      roles = await readRoleStatus(deps.redis, deps.roles, { intervalMs: deps.heartbeatMs });
    } catch {
      redis = 'down';
      roles = deps.roles.map((role) => ({
        role,
        status: 'unknown',
        pid: null,
        startedAt: null,
        lastSeen: null,
        starts: 0,
        restarts: 0,
      }));
    }
    const cert = certificateView(deps.certificate());
    const ok = redis === 'up' && roles.every((r) => r.status === 'up') && cert.daysLeft >= 0;
    return {
      body: {
        status: ok ? 'ok' : 'degraded',
        version: deps.version,
        time: new Date().toISOString(),
        redis,
        roles,
        certificate: { daysLeft: cert.daysLeft, selfSigned: cert.selfSigned, notAfter: cert.notAfter },
      },
    };
  });

  router.get('/v1/certificate', async () => ({
    body: {
      ...certificateView(deps.certificate()),
      ...(deps.certificateExtras ? await deps.certificateExtras() : {}),
    },
  }));

  router.post(
    '/v1/certificate/request',
    async ({ body }) => {
      if (!deps.requestCertificate)
        throw new ApiError(501, 'NOT_AVAILABLE', 'certificates are not managed by this server');
      const force = (body as { force?: unknown } | undefined)?.force ?? false;
      if (
        typeof force !== 'boolean' ||
        (body !== undefined && Object.keys(body as object).some((k) => k !== 'force'))
      ) {
        throw invalid('the body may only hold { "force": true | false }');
      }
      const request = await deps.requestCertificate({ force });
      deps.log.info('control.certificate_requested', { force });
      return { status: 202, body: { request } };
    },
    'optional',
  );

  router.post(
    '/v1/token/rotate',
    () => {
      const token = deps.tokens.issue();
      deps.log.info('control.token_rotated', {});
      return { body: { token, issuedAt: deps.tokens.issuedAt() } };
    },
    'optional',
  );
}
