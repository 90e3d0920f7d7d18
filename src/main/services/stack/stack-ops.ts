/**
 * Operations on a running stack that deploys, restores and upgrades all need: wait until a service
 * answers its protocol, run a one-shot container to its end, issue a control API token.
 */
import { FacteurError } from '../../../shared/errors';
import type { DockerClient } from '../docker/docker-client';
import { containerName, serviceOf, type ServiceSpec, type StackSpec } from './stack-spec';

/**
 * Waits until the service answers its protocol: Docker's health status when it has one, else the
 * same check run at once through `docker exec` (older engines probe only every interval). Returns
 * the seconds it took; TIMEOUT (with the last check's words and the container's last logs) after
 * `timeoutMs`.
 */
export async function waitServiceHealthy(
  docker: DockerClient,
  spec: StackSpec,
  service: ServiceSpec,
  timeoutMs: number,
): Promise<number> {
  const name = containerName(spec, service);
  const t0 = Date.now();
  const deadline = t0 + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    const state = await docker.inspectContainer(name);
    if (!state) throw new FacteurError('COMMAND_FAILED', `The container ${name} disappeared.`);
    if (state.health === 'healthy') return (Date.now() - t0) / 1000;
    if (state.running) {
      const left = Math.max(1000, deadline - Date.now());
      const res = await docker
        .exec(name, service.health.command, { timeoutMs: Math.min(left, service.health.timeoutS * 1000) })
        .catch((err: Error) => ({ exitCode: -1, stdout: '', stderr: err.message }));
      if (res.exitCode === 0) return (Date.now() - t0) / 1000;
      lastError = (res.stderr || res.stdout).trim();
    } else {
      lastError = `not running (${state.status}, exit code ${state.exitCode})`;
    }
    await sleep(250);
  }
  const logs = await docker.containerLogs(name, 15).catch(() => '');
  throw new FacteurError(
    'TIMEOUT',
    `The ${service.name} service (${service.roles.join(', ')}) did not become healthy within ` +
      `${Math.round(timeoutMs / 1000)} s: ${lastError}\n${logs.trim().slice(-1500)}`,
    { service: service.name },
  );
}

export interface OneShotOptions {
  /** What it does, for the timeout's message ("preparing the data directory"). */
  what: string;
  timeoutMs: number;
  /** Called with the container's latest output every `pollMs` while it runs, and at its end. */
  onLogs?: (logs: string) => void;
  pollMs?: number;
}

/** A one-shot container: created, started, waited for (its output followed), always removed. */
export async function runOneShot(
  docker: DockerClient,
  plan: { name: string; body: Record<string, unknown> },
  opts: OneShotOptions,
): Promise<{ exit: number; logs: string }> {
  const { name } = plan;
  const tail = opts.onLogs ? 10_000 : 20;
  await docker.removeContainer(name, { force: true });
  await docker.createContainer(name, plan.body);
  try {
    await docker.startContainer(name);
    let exited: number | undefined;
    const waiting = docker.waitContainer(name).then((code) => (exited = code));
    const deadline = Date.now() + opts.timeoutMs;
    const pollMs = opts.onLogs ? (opts.pollMs ?? 1000) : opts.timeoutMs;
    while (exited === undefined) {
      const left = deadline - Date.now();
      if (left <= 0) throw new FacteurError('TIMEOUT', `Timed out ${opts.what}.`);
      await waitAtMost(waiting, Math.min(pollMs, left));
      if (exited === undefined && opts.onLogs)
        opts.onLogs(await docker.containerLogs(name, tail).catch(() => ''));
    }
    const logs = await docker.containerLogs(name, tail).catch(() => '');
    opts.onLogs?.(logs);
    return { exit: exited, logs };
  } finally {
    await docker.removeContainer(name, { force: true }).catch(() => undefined);
  }
}

/** A new control API token, issued inside the running admin container (never written to logs). */
export async function issueControlToken(
  docker: DockerClient,
  spec: StackSpec,
  timeoutMs: number,
): Promise<string> {
  const res = await docker.exec(
    containerName(spec, serviceOf(spec, 'control')),
    ['facteur-server', 'control-token'],
    {
      timeoutMs,
    },
  );
  const token = res.stdout.trim();
  if (res.exitCode !== 0 || !token)
    throw new FacteurError('COMMAND_FAILED', `Could not issue a control token: ${res.stderr.trim()}`);
  return token;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Settles when `p` does or after `ms`, whichever is first (the timer never outlives it). */
async function waitAtMost(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([p, new Promise((r) => (timer = setTimeout(r, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
