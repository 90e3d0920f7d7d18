/**
 * Opens the control API of a server Facteur deployed: the deployment record (vault) gives the
 * port and token, one SSH connection carries the requests. The tunnel needs no privileges, so a
 * plain login is enough (no sudo, unlike HostAccess.session).
 */
import { ControlClient } from '../control/control-client';
import { requireDeployment, type DeploymentRecord } from '../deploy/deployment-record';
import type { ServerService } from '../servers/server-service';
import type { Vault } from '../vault/vault';

export interface ControlSession {
  api: ControlClient;
  deployment: DeploymentRecord;
}

export class ControlAccess {
  constructor(
    private readonly servers: Pick<ServerService, 'get' | 'connect'>,
    private readonly vault: Vault,
    /** Each request's time limit (config.ssh.commandMs). */
    private readonly timeoutMs: number,
  ) {}

  /** Runs `work` with the server's control API; NOT_DEPLOYED before any connection when there is no stack. */
  async with<T>(serverId: string, work: (session: ControlSession) => Promise<T>): Promise<T> {
    const deployment = await requireDeployment(this.vault, serverId);
    const conn = await this.servers.connect(await this.servers.get(serverId));
    try {
      const api = new ControlClient(conn, {
        port: deployment.controlPort,
        token: deployment.controlToken,
        timeoutMs: this.timeoutMs,
      });
      return await work({ api, deployment });
    } finally {
      conn.close();
    }
  }
}
