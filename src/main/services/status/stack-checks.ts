/**
 * Status checks of the mail stack itself: the roles' liveness and the certificate (from the
 * control API's /v1/health), Docker and the stack's containers. Pure: tested without a server.
 */
import type { StatusCheck } from '../../../shared/status';
import type { ContainerState } from '../docker/docker-client';
import { CERTIFICATE_WARN_DAYS, check } from './check';

/** GET /v1/health (server-bundle/src/control/routes/health-routes.ts). */
export interface ServerHealth {
  status: 'ok' | 'degraded';
  version: string;
  redis: 'up' | 'down';
  roles: { role: string; status: 'up' | 'stopped' | 'down' | 'unknown'; restarts: number }[];
  certificate: { daysLeft: number; selfSigned: boolean; notAfter: string } | null;
}

/** Roles that are not up (Redis counts as one: every role needs it). */
export function rolesDown(health: ServerHealth): string[] {
  const down = health.roles.filter((r) => r.status !== 'up').map((r) => r.role);
  return health.redis === 'down' ? ['redis', ...down] : down;
}

export function rolesCheck(health: ServerHealth | { error: string }): StatusCheck {
  if ('error' in health)
    return check(
      'roles',
      'fail',
      'controlDown',
      'control API —',
      `The server's control API does not answer (${health.error}): the administration container is down.`,
      'Start it again: deploy once more from Facteur, or run "docker start facteur-admin" on the server.',
      { error: health.error },
    );
  const down = rolesDown(health);
  const total = health.roles.length;
  if (down.length)
    return check(
      'roles',
      'fail',
      'down',
      `${total - down.length} of ${total} up`,
      `Not running: ${down.join(', ')}. Mail that needs them fails meanwhile.`,
      'Start the stack again: deploy once more from Facteur (it restarts what is stopped), or "docker start" the container on the server.',
      { roles: down.join(', '), up: total - down.length, total },
    );
  return check(
    'roles',
    'ok',
    'ok',
    `${total} of ${total} up`,
    `Every service answers: ${health.roles.map((r) => r.role).join(', ')}.`,
    undefined,
    { up: total, total },
  );
}

export function certificateCheck(health: ServerHealth | { error: string }): StatusCheck {
  if ('error' in health || !health.certificate)
    return check(
      'certificate',
      'unknown',
      'unread',
      '?',
      'The server did not say which certificate it uses (its control API does not answer).',
      'Start the administration container again, then check again.',
    );
  const { daysLeft, selfSigned, notAfter } = health.certificate;
  const days = Math.floor(daysLeft);
  const value = `${days} days`;
  const params = { days, notAfter: notAfter.slice(0, 10) };
  if (daysLeft <= 0)
    return check(
      'certificate',
      'fail',
      'expired',
      value,
      `The certificate expired on ${params.notAfter}: mail apps refuse to connect.`,
      'Request a new certificate from the Setup page (step 6); check that port 80 is open and the DNS points at the server.',
      params,
    );
  if (selfSigned)
    return check(
      'certificate',
      'warn',
      'selfSigned',
      value,
      'The server still uses its own placeholder certificate: mail apps will warn about it.',
      'Request a real certificate from the Setup page (step 6).',
      params,
    );
  if (daysLeft < CERTIFICATE_WARN_DAYS)
    return check(
      'certificate',
      'warn',
      'expiring',
      value,
      `The certificate ends in ${days} days (${params.notAfter}) and has not been renewed yet.`,
      'Renewal should have happened by now: request a certificate again from the Setup page and read the reason shown.',
      params,
    );
  return check(
    'certificate',
    'ok',
    'ok',
    value,
    `The certificate is valid until ${params.notAfter} (${days} days); it renews by itself.`,
    undefined,
    params,
  );
}

export function dockerCheck(version: { version: string } | { error: string }): StatusCheck {
  if ('error' in version)
    return check(
      'docker',
      'fail',
      'down',
      'Docker —',
      `Docker does not answer on the server (${version.error}).`,
      'Start it on the server ("systemctl start docker" or "service docker start"); the stack starts with it.',
      { error: version.error },
    );
  return check('docker', 'ok', 'ok', version.version, `Docker ${version.version} is running.`);
}

export function containersCheck(containers: ContainerState[] | { error: string }): StatusCheck {
  if ('error' in containers)
    return check(
      'containers',
      'unknown',
      'unread',
      '?',
      `Docker did not list the containers (${containers.error}).`,
    );
  if (!containers.length)
    return check(
      'containers',
      'fail',
      'none',
      '0',
      'The mail stack’s containers are gone from this server.',
      'Deploy again from Facteur: your data in /var/lib/facteur is kept.',
    );
  const stopped = containers.filter((c) => !c.running).map((c) => c.name);
  const restarts = containers.reduce((n, c) => n + c.restartCount, 0);
  const restarted = containers
    .filter((c) => c.restartCount > 0)
    .map((c) => `${c.name} ×${c.restartCount}`)
    .join(', ');
  const value = `${containers.length - stopped.length} of ${containers.length} running, ${restarts} restarts`;
  const params = { running: containers.length - stopped.length, total: containers.length, restarts };
  if (stopped.length)
    return check(
      'containers',
      'fail',
      'stopped',
      value,
      `Stopped: ${stopped.join(', ')}.`,
      `Start ${stopped.length > 1 ? 'them' : 'it'} again: "docker start ${stopped.join(' ')}" on the server, or deploy again from Facteur.`,
      { ...params, containers: stopped.join(', ') },
    );
  if (restarts > 0)
    return check(
      'containers',
      'warn',
      'restarted',
      value,
      `Docker had to restart some containers after a crash: ${restarted}.`,
      'Look at the server’s logs for the reason ("docker logs" of that container); report it if it goes on.',
      { ...params, containers: restarted },
    );
  return check(
    'containers',
    'ok',
    'ok',
    value,
    'Every container runs, none had to be restarted.',
    undefined,
    params,
  );
}
