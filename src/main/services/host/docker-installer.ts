/**
 * Installs Docker from the distribution's packages on a server that has none, and starts it.
 *
 * Debian and Ubuntu only (apt's docker.io: Engine 20.10 on Debian 11/12, newer on Ubuntu), which
 * keeps the server on its distribution's security updates. Idempotent: Docker answering already
 * is a no-op; an installed but stopped Docker is only started; a failed run can simply be run again
 * (an interrupted dpkg is finished first).
 */
import type { InstallDockerResult } from '../../../shared/deploy';
import { FacteurError } from '../../../shared/errors';
import type { DockerClient } from '../docker/docker-client';
import { aptStatusHandler, parseAptStatus, ProgressBar } from './apt-progress';
import type { HostAccess, HostSession } from './host-access';
import { runStreamed, type StreamedResult } from './streamed-command';

export const INSTALL_STEP = 'docker-install';

type OnProgress = (step: string, done: number, total?: number, message?: string) => void;

interface ServerSystem {
  id: string;
  idLike: string;
  name: string;
  apt: boolean;
  /** dockerd is on the disk already (installed, maybe from Docker's own packages, but stopped). */
  dockerd: boolean;
}

const systemScript = [
  '. /etc/os-release 2>/dev/null',
  'echo "id=${ID:-}"; echo "id_like=${ID_LIKE:-}"; echo "name=${PRETTY_NAME:-unknown}"',
  'command -v apt-get >/dev/null && echo apt=yes',
  '(command -v dockerd || [ -x /usr/bin/dockerd ] || [ -x /usr/sbin/dockerd ]) >/dev/null 2>&1 && echo dockerd=yes',
  'true',
].join('\n');

// Status lines on stdout (fd 3 -> stdout), apt's own messages on stderr.
const apt = (lockWaitS: number, args: string): string =>
  `DEBIAN_FRONTEND=noninteractive apt-get -q -o APT::Status-Fd=3 -o DPkg::Lock::Timeout=${lockWaitS} ${args} 3>&1 1>&2`;

const startScript = [
  'if [ -d /run/systemd/system ]; then systemctl enable --now docker',
  'elif command -v service >/dev/null 2>&1; then service docker start',
  'elif [ -x /etc/init.d/docker ]; then /etc/init.d/docker start',
  'else echo "no service manager to start dockerd with" >&2; exit 3; fi',
].join('\n');

export class DockerInstaller {
  constructor(private readonly hosts: HostAccess) {}

  async install(serverId: string, onProgress: OnProgress): Promise<InstallDockerResult> {
    const started = Date.now();
    const seconds = (): number => Math.round((Date.now() - started) / 100) / 10;
    const config = this.hosts.config.host;
    const session = await this.hosts.session(serverId);
    try {
      const found = await answeringVersion(session.docker);
      if (found) return { version: found, installed: false, seconds: seconds() };

      const bar = new ProgressBar((percent, message) => onProgress(INSTALL_STEP, percent, 100, message));
      bar.set(0, 'Looking at the server’s system');
      const system = await readSystem(session, this.hosts.config.ssh.commandMs);
      let installed = false;
      if (!system.dockerd) {
        if (!system.apt || !/\b(debian|ubuntu)\b/.test(`${system.id} ${system.idLike}`))
          throw new FacteurError(
            'COMMAND_FAILED',
            `Facteur installs Docker with apt on Debian and Ubuntu, and ${session.profile.name} runs ${system.name}. ` +
              'Install Docker Engine by hand (docs.docker.com/engine/install), start it, then check the server again: Facteur will use it.',
            { os: system.name },
          );
        bar.set(1, 'Updating the list of packages');
        const listing = 'Updating the list of packages';
        await this.apt(
          session,
          apt(config.aptLockWaitS, 'update'),
          'apt-get update',
          aptStatusHandler(bar, { from: 1, split: 15, to: 15 }, { download: listing, install: listing }),
        );
        // Finish an earlier interrupted installation first, or apt refuses to do anything.
        const install = apt(
          config.aptLockWaitS,
          '-y -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold install --no-install-recommends docker.io',
        );
        await this.apt(
          session,
          `if [ -n "$(dpkg --audit 2>/dev/null)" ]; then dpkg --configure -a >&2; fi; ${install}`,
          'apt-get install docker.io',
          aptStatusHandler(
            bar,
            { from: 15, split: 55, to: 90 },
            { download: 'Downloading Docker', install: 'Installing Docker' },
          ),
        );
        installed = true;
      }

      bar.set(90, 'Starting Docker');
      const start = await session.root.exec(startScript, { timeoutMs: config.dockerStartTimeoutMs });
      if (start.code !== 0)
        throw new FacteurError(
          'COMMAND_FAILED',
          `Docker is installed on ${session.profile.name} but did not start: ${lastLines(`${start.stdout}\n${start.stderr}`)}. ` +
            'Look at the service’s log on the server (journalctl -u docker, or /var/log/docker.log), then try again.',
        );
      const version = await this.waitForDocker(session);
      bar.set(100, `Docker ${version} is running`);
      return { version, installed, seconds: seconds() };
    } finally {
      session.close();
    }
  }

  private async apt(
    session: HostSession,
    command: string,
    what: string,
    onLine: (line: string) => void,
  ): Promise<void> {
    const result = await runStreamed(session.root, command, {
      onLine,
      timeoutMs: this.hosts.config.host.aptTimeoutMs,
      what: `${what} on ${session.profile.name}`,
    });
    if (result.code === 0) return;
    throw aptFailure(session.profile.name, what, result);
  }

  /** Polls Docker's API until it answers (the daemon takes a moment after its service starts). */
  private async waitForDocker(session: HostSession): Promise<string> {
    const { dockerStartTimeoutMs, dockerPollMs } = this.hosts.config.host;
    const deadline = Date.now() + dockerStartTimeoutMs;
    for (;;) {
      const version = await answeringVersion(session.docker);
      if (version) return version;
      if (Date.now() >= deadline) break;
      await new Promise((r) => setTimeout(r, dockerPollMs));
    }
    const log = await session.root.exec(
      'tail -n 8 /var/log/docker.log 2>/dev/null || journalctl -u docker -n 8 --no-pager 2>/dev/null',
      { timeoutMs: this.hosts.config.ssh.commandMs },
    );
    throw new FacteurError(
      'TIMEOUT',
      `Docker was started on ${session.profile.name} but did not answer within ${Math.round(dockerStartTimeoutMs / 1000)} s.` +
        (log.stdout.trim() ? ` Its log ends with: ${lastLines(log.stdout)}.` : '') +
        ' Check the Docker service on the server, then try again.',
    );
  }
}

/** Docker's version if its API answers; a Docker too old for Facteur is an error, not an absence. */
async function answeringVersion(docker: DockerClient): Promise<string | undefined> {
  try {
    return (await docker.version()).version;
  } catch (err) {
    if (err instanceof FacteurError && err.params.apiVersion !== undefined) throw err;
    return undefined;
  }
}

async function readSystem(session: HostSession, timeoutMs: number): Promise<ServerSystem> {
  const result = await session.root.exec(systemScript, { timeoutMs });
  const v = new Map(
    result.stdout
      .split('\n')
      .map((l) => l.split('=', 2) as [string, string?])
      .filter((kv): kv is [string, string] => kv[1] !== undefined),
  );
  return {
    id: (v.get('id') ?? '').toLowerCase(),
    idLike: (v.get('id_like') ?? '').toLowerCase(),
    name: v.get('name') || 'an unknown system',
    apt: v.get('apt') === 'yes',
    dockerd: v.get('dockerd') === 'yes',
  };
}

/** The last lines of a command's output (apt's errors, "E: ...", when it printed any), on one line. */
function lastLines(text: string, n = 6): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !parseAptStatus(l));
  const errors = lines.filter((l) => /^(E|W):|^dpkg: error/.test(l));
  return (errors.length > 0 ? errors : lines).slice(-n).join(' / ').replace(/\.+$/, '');
}

function aptFailure(server: string, what: string, result: StreamedResult): FacteurError {
  const said = lastLines(result.tail.join('\n'));
  const locked = /could not get lock|unable to acquire the dpkg frontend lock/i.test(said);
  const hint = locked
    ? 'Another installation is running on the server (often automatic updates): wait for it to finish, then try again.'
    : 'Fix what apt reports (a full disk, an unreachable mirror, a broken package source), then try again: Facteur picks up where it stopped.';
  return new FacteurError(
    'COMMAND_FAILED',
    `Installing Docker failed on ${server}: ${what} stopped (exit ${result.code}). apt said: ${said || 'nothing'}. ${hint}`,
    { exitCode: result.code },
  );
}
