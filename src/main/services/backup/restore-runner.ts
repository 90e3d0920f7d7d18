/**
 * Runs the image's `facteur-server backup restore` on a server in a one-shot container, with the
 * role containers that open what it replaces stopped (whole server: all of them; one mailbox: the
 * mail container), its JSON-lines progress turned into progress events; then `init` (migrations of
 * what came back) and the stopped containers started again, each waited for until healthy.
 * Containers are started again even when the restore fails (the server keeps serving its mail).
 */
import { FacteurError } from '../../../shared/errors';
import type { DockerClient } from '../docker/docker-client';
import { initPlan, oneShotPlan } from '../stack/container-options';
import { runOneShot, waitServiceHealthy } from '../stack/stack-ops';
import { containerName, type ServiceSpec, type StackSpec } from '../stack/stack-spec';
import type { Report } from './backup-service';

export interface RestoreRunOptions {
  /** Arguments after `backup restore` (--snapshot ID [--mailbox ADDRESS]). */
  args: string[];
  /** The services to stop while it runs. */
  stop: ServiceSpec[];
  /** host when the backup target is reached over the network (SFTP, S3). */
  network: 'none' | 'host';
  timeoutMs: number;
  pollMs: number;
  healthTimeoutMs: number;
  report: Report;
}

interface CliEvent {
  event: 'progress' | 'done' | 'error';
  phase?: string;
  percent?: number;
  code?: string;
  message?: string;
  asideDir?: string;
  mailboxes?: string[];
}

export async function runRestore(
  docker: DockerClient,
  spec: StackSpec,
  opts: RestoreRunOptions,
): Promise<{ keptAside?: string }> {
  const { report } = opts;
  for (const service of opts.stop) {
    report('stop', 0, opts.stop.length, service.name);
    await docker.stopContainer(containerName(spec, service), service.stopTimeoutS);
  }
  report('stop', opts.stop.length, opts.stop.length);
  let result: CliEvent | undefined;
  try {
    result = await restoreInContainer(docker, spec, opts);
    report('init', 0, 1);
    const init = await runOneShot(docker, initPlan(spec), {
      what: 'preparing the restored data (facteur-server init)',
      timeoutMs: opts.timeoutMs,
    });
    if (init.exit !== 0)
      throw new FacteurError(
        'COMMAND_FAILED',
        `Preparing the restored data failed: ${init.logs.slice(-600)}`,
      );
    report('init', 1, 1);
  } finally {
    const start = [...opts.stop].reverse(); // stopped last-started first, so Redis comes back first
    for (const service of start) {
      await docker.startContainer(containerName(spec, service));
    }
    for (const service of start) {
      await waitServiceHealthy(docker, spec, service, opts.healthTimeoutMs);
      report('health', start.indexOf(service) + 1, opts.stop.length, `${service.name}: healthy`);
    }
  }
  return result.asideDir ? { keptAside: result.asideDir } : {};
}

async function restoreInContainer(
  docker: DockerClient,
  spec: StackSpec,
  opts: RestoreRunOptions,
): Promise<CliEvent> {
  const plan = oneShotPlan(spec, {
    name: 'restore',
    command: ['backup', 'restore', ...opts.args],
    network: opts.network,
  });
  let seen = 0;
  const onLogs = (logs: string): void => {
    const events = parseEvents(logs);
    for (const e of events.slice(seen)) {
      if (e.event === 'progress') opts.report('restore', Math.round(e.percent ?? 0), 100, e.phase);
    }
    seen = events.length;
  };
  const run = await runOneShot(docker, plan, {
    what: 'restoring the backup',
    timeoutMs: opts.timeoutMs,
    onLogs,
    pollMs: opts.pollMs,
  });
  const events = parseEvents(run.logs);
  const last = events.at(-1);
  if (last?.event === 'done') {
    opts.report('restore', 100, 100, 'done');
    return last;
  }
  if (last?.event === 'error')
    throw restoreError(last.code ?? 'FAILED', last.message ?? 'The restore failed.');
  throw new FacteurError(
    'COMMAND_FAILED',
    `The restore stopped without an answer (exit ${run.exit}): ${run.logs.trim().slice(-600)}`,
  );
}

export function parseEvents(logs: string): CliEvent[] {
  const out: CliEvent[] = [];
  for (const line of logs.split('\n')) {
    const t = line.trim();
    if (!t.startsWith('{')) continue;
    try {
      const e = JSON.parse(t) as CliEvent;
      if (e.event === 'progress' || e.event === 'done' || e.event === 'error') out.push(e);
    } catch {
      // not one of the CLI's event lines
    }
  }
  return out;
}

export function restoreError(code: string, message: string): FacteurError {
  const params = { detail: message, apiCode: code };
  if (code === 'CORRUPT' || code === 'WRONG_KEY' || code === 'REPO_MISSING')
    return new FacteurError('BACKUP_INVALID', message, params);
  if (code === 'NOT_FOUND') return new FacteurError('NOT_FOUND', message, params);
  if (code === 'NOT_CONFIGURED') return new FacteurError('BACKUPS_OFF', message, params);
  if (code === 'DISK_FULL') return new FacteurError('DISK_FULL', message, params);
  return new FacteurError('COMMAND_FAILED', message, params);
}
