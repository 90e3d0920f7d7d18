/**
 * Privileged access to a server: one SSH connection per session, commands run as root (directly
 * for root, through sudo otherwise, with the sudo password asked once and kept in memory only),
 * and Docker's API over that same connection.
 */
import type { ServerAccess } from '../../../shared/deploy';
import { FacteurError } from '../../../shared/errors';
import type { ServerProfile } from '../../../shared/contract';
import type { DesktopConfig } from '../../config';
import { DockerClient } from '../docker/docker-client';
import type { ServerService } from '../servers/server-service';
import type { SshConnection } from '../ssh/ssh-client';
import { probePrivileges, type PrivilegeProbe } from './privilege-probe';
import { rootShell, sudoDockerSocket, type RootMode, type RootShell } from './root-shell';
import { sudoRefusal } from './sudo-refusal';

export type { RootShell } from './root-shell';

export interface HostSession {
  profile: ServerProfile;
  /** The one SSH connection (uploads, tunnels to the control API). */
  conn: SshConnection;
  /** Runs commands as root. */
  root: RootShell;
  /** Docker's API, over `conn`. */
  docker: DockerClient;
  close(): void;
}

export class HostAccess {
  /** Verified sudo passwords by server id: this process's memory only, never on disk or in logs. */
  private readonly sudoPasswords = new Map<string, string>();

  constructor(
    private readonly servers: ServerService,
    readonly config: DesktopConfig,
  ) {}

  async access(serverId: string): Promise<ServerAccess> {
    const profile = await this.servers.get(serverId);
    const conn = await this.servers.connect(profile);
    try {
      const probe = await probePrivileges(conn, this.config.ssh.commandMs);
      return { user: profile.user, privileges: this.privilegesOf(serverId, probe) };
    } finally {
      conn.close();
    }
  }

  /**
   * Checks the sudo password on the server (`sudo -k`: a cached sudo login cannot make a wrong
   * password look right) and keeps it for this run only if sudo accepts it.
   */
  async provideSudoPassword(serverId: string, password: string): Promise<ServerAccess> {
    if (/[\r\n]/.test(password))
      throw new FacteurError('VALIDATION', 'A sudo password cannot contain a line break.');
    const profile = await this.servers.get(serverId);
    const conn = await this.servers.connect(profile);
    try {
      const probe = await probePrivileges(conn, this.config.ssh.commandMs);
      if (probe.privileges !== 'password-needed')
        return { user: profile.user, privileges: this.privilegesOf(serverId, probe) };
      await this.verifySudoPassword(conn, profile, password);
      this.sudoPasswords.set(serverId, password);
      return { user: profile.user, privileges: 'password-known' };
    } finally {
      conn.close();
    }
  }

  /**
   * Opens a session: throws SUDO_PASSWORD_NEEDED when sudo wants a password Facteur does not have
   * (or the one it had was refused since), and a plain COMMAND_FAILED when the user cannot become
   * root at all.
   */
  async session(serverId: string): Promise<HostSession> {
    const profile = await this.servers.get(serverId);
    const conn = await this.servers.connect(profile);
    try {
      const probe = await probePrivileges(conn, this.config.ssh.commandMs);
      const mode = await this.rootMode(conn, profile, probe);
      const docker =
        mode.kind === 'direct' || probe.dockerSocketUsable
          ? new DockerClient(conn)
          : new DockerClient(sudoDockerSocket(conn, mode));
      return { profile, conn, root: rootShell(conn, mode), docker, close: () => conn.close() };
    } catch (err) {
      conn.close();
      throw err;
    }
  }

  private privilegesOf(serverId: string, probe: PrivilegeProbe): ServerAccess['privileges'] {
    if (probe.privileges === 'password-needed' && this.sudoPasswords.has(serverId)) return 'password-known';
    return probe.privileges;
  }

  private async rootMode(
    conn: SshConnection,
    profile: ServerProfile,
    probe: PrivilegeProbe,
  ): Promise<RootMode> {
    switch (probe.privileges) {
      case 'root':
        return { kind: 'direct' };
      case 'passwordless':
        return { kind: 'sudo' };
      case 'unavailable':
        throw new FacteurError(
          'COMMAND_FAILED',
          `"${profile.user}" cannot run commands as root on ${profile.name}: sudo is not installed there. ` +
            'Add the server again with the root user, or install sudo and add this user to the sudo group.',
          { user: profile.user },
        );
      default: {
        const password = this.sudoPasswords.get(profile.id);
        if (password === undefined) throw sudoPasswordNeeded(profile);
        try {
          // One cheap check per session: a password changed on the server since must not reach
          // sudo's retry prompt, where it would swallow the command's own input.
          await this.verifySudoPassword(conn, profile, password);
        } catch (err) {
          if (!(err instanceof FacteurError) || err.code !== 'AUTH_FAILED') throw err;
          this.sudoPasswords.delete(profile.id);
          throw sudoPasswordNeeded(profile, 'The sudo password Facteur had was refused (was it changed?). ');
        }
        return { kind: 'sudo', password };
      }
    }
  }

  private async verifySudoPassword(
    conn: SshConnection,
    profile: ServerProfile,
    password: string,
  ): Promise<void> {
    const result = await conn.exec("sudo -k -S -p '' true", {
      stdin: `${password}\n`,
      timeoutMs: this.config.ssh.commandMs,
    });
    if (result.code === 0) return;
    throw sudoRefusal(profile, result.stderr);
  }
}

function sudoPasswordNeeded(profile: ServerProfile, prefix = ''): FacteurError {
  return new FacteurError(
    'SUDO_PASSWORD_NEEDED',
    `${prefix}Facteur needs the sudo password of "${profile.user}" on ${profile.name} to run commands as root. ` +
      'Enter it once: Facteur keeps it in memory only, until it quits.',
    { user: profile.user },
  );
}
