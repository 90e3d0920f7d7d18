/**
 * Commands as root over the server's one SSH connection: as they are for root, through
 * `sudo -n` when sudo needs no password, else through `sudo -k -S -p ''` with the password written
 * first on the command's stdin (sudo reads exactly that line; the rest is the command's own input).
 * `-k` makes sudo ask every time: with a cached sudo login it would not read the password, and the
 * password would become the command's input.
 */
import type { Duplex } from 'node:stream';
import type { SocketOpener } from '../docker/docker-client';
import type { SshConnection } from '../ssh/ssh-client';
import { DOCKER_SOCKET } from './privilege-probe';

export type RootMode = { kind: 'direct' } | { kind: 'sudo'; password?: string };

type ExecChannel = Awaited<ReturnType<SshConnection['openExec']>>;

export interface RootShell {
  exec(
    command: string,
    options?: { stdin?: string; timeoutMs?: number },
  ): Promise<{ code: number; stdout: string; stderr: string }>;
  /**
   * Starts a command as root and hands back its channel, ready for the command's own stdin:
   * stdout from the channel, stderr from `.stderr`, 'exit' with the code (streamed output).
   */
  open(command: string): Promise<ExecChannel>;
}

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** The command line that runs `command` (an sh script) as root. */
export function asRoot(command: string, mode: RootMode): string {
  if (mode.kind === 'direct') return command;
  if (mode.password === undefined) return `sudo -n sh -c ${quote(command)}`;
  return `sudo -k -S -p '' sh -c ${quote(command)}`;
}

/** What goes first on stdin: the sudo password line, when there is one. */
function passwordLine(mode: RootMode): string {
  return mode.kind === 'sudo' && mode.password !== undefined ? `${mode.password}\n` : '';
}

export function rootShell(conn: SshConnection, mode: RootMode): RootShell {
  return {
    exec(command, options = {}) {
      const prefix = passwordLine(mode);
      if (!prefix) return conn.exec(asRoot(command, mode), options);
      return conn.exec(asRoot(command, mode), { ...options, stdin: prefix + (options.stdin ?? '') });
    },
    async open(command) {
      const channel = await conn.openExec(asRoot(command, mode));
      const prefix = passwordLine(mode);
      if (prefix) channel.write(prefix);
      return channel;
    },
  };
}

/**
 * Docker's socket for a user who may not open it: each connection is an exec channel on the same
 * SSH connection running `docker system dial-stdio` as root (the docker CLI relays its stdin and
 * stdout to the daemon's socket). No second SSH login, no socket permission changes.
 */
export function sudoDockerSocket(conn: SshConnection, mode: RootMode): SocketOpener {
  const shell = rootShell(conn, mode);
  return {
    async openUnixSocket(path: string = DOCKER_SOCKET): Promise<Duplex> {
      const channel = await shell.open(`exec docker -H ${quote(`unix://${path}`)} system dial-stdio`);
      let stderr = '';
      channel.stderr.on('data', (d: Buffer) => {
        if (stderr.length < 2000) stderr += d.toString('utf8');
      });
      // A relay that could not start (no docker CLI, sudo refused) ends the request with its reason.
      channel.on('exit', (code: number | null) => {
        if (code)
          (channel as Duplex).destroy(
            new Error(stderr.trim() || `docker system dial-stdio exited with ${code}`),
          );
      });
      return channel;
    },
  };
}
