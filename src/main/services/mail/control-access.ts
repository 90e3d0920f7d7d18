/**
 * Opens the control API of a server Facteur deployed: the deployment record (vault) gives the
 * port and token, one SSH connection per server carries the requests (kept open a little while
 * between them: a dashboard asks several things at once, every few seconds). The tunnel needs no
 * privileges, so a plain login is enough (no sudo, unlike HostAccess.session).
 */
import { ControlClient } from '../control/control-client';
import { requireDeployment, type DeploymentRecord } from '../deploy/deployment-record';
import type { ServerService } from '../servers/server-service';
import type { SshConnection } from '../ssh/ssh-client';
import type { Vault } from '../vault/vault';

export interface ControlSession {
  api: ControlClient;
  deployment: DeploymentRecord;
}

interface PooledConnection {
  conn: Promise<SshConnection>;
  users: number;
  timer?: NodeJS.Timeout;
}

export class ControlAccess {
  /** One SSH connection per server, shared by concurrent requests and kept `idleMs` after the last. */
  private readonly open = new Map<string, PooledConnection>();

  constructor(
    private readonly servers: Pick<ServerService, 'get' | 'connect'>,
    private readonly vault: Vault,
    /** Each request's time limit (config.ssh.commandMs). */
    private readonly timeoutMs: number,
    /** How long an unused connection stays open (config.ssh.idleMs); 0 closes it at once. */
    private readonly idleMs = 0,
  ) {}

  /** Runs `work` with the server's control API; NOT_DEPLOYED before any connection when there is no stack. */
  async with<T>(serverId: string, work: (session: ControlSession) => Promise<T>): Promise<T> {
    const deployment = await requireDeployment(this.vault, serverId);
    const entry = this.acquire(serverId);
    try {
      const api = new ControlClient(await entry.conn, {
        port: deployment.controlPort,
        token: deployment.controlToken,
        timeoutMs: this.timeoutMs,
      });
      return await work({ api, deployment });
    } finally {
      this.release(serverId, entry);
    }
  }

  /** Closes every pooled connection (shutdown). */
  closeAll(): void {
    for (const [serverId, entry] of this.open) this.drop(serverId, entry);
  }

  private acquire(serverId: string): PooledConnection {
    let entry = this.open.get(serverId);
    if (!entry) {
      const created: PooledConnection = {
        conn: this.servers.get(serverId).then((profile) => this.servers.connect(profile)),
        users: 0,
      };
      this.open.set(serverId, created);
      created.conn.then(
        (conn) => conn.onClose(() => this.forget(serverId, created)),
        () => this.forget(serverId, created),
      );
      entry = created;
    }
    entry.users++;
    clearTimeout(entry.timer);
    return entry;
  }

  private release(serverId: string, entry: PooledConnection): void {
    entry.users--;
    if (entry.users > 0) return;
    if (this.idleMs <= 0 || this.open.get(serverId) !== entry) return this.drop(serverId, entry);
    entry.timer = setTimeout(() => this.drop(serverId, entry), this.idleMs);
    entry.timer.unref();
  }

  private forget(serverId: string, entry: PooledConnection): void {
    if (this.open.get(serverId) === entry) this.open.delete(serverId);
  }

  private drop(serverId: string, entry: PooledConnection): void {
    this.forget(serverId, entry);
    clearTimeout(entry.timer);
    entry.conn.then(
      (conn) => conn.close(),
      () => undefined,
    );
  }
}
