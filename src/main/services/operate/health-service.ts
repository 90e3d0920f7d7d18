/**
 * The health of a deployed server (GET /v1/health: each role's heartbeat state and restarts, the
 * certificate's days left) and the one-line state of every server for the servers list.
 */
import { FacteurError } from '../../../shared/errors';
import type { RoleHealth, ServerHealth, ServerSummary } from '../../../shared/operate';
import { readDeployment } from '../deploy/deployment-record';
import type { ControlAccess } from '../mail/control-access';
import type { ServerService } from '../servers/server-service';
import type { Vault } from '../vault/vault';

/** What GET /v1/health answers (server-bundle/src/control/routes/health-routes.ts). */
interface HealthAnswer {
  status: 'ok' | 'degraded';
  version: string;
  time: string;
  redis: 'up' | 'down';
  roles: Array<{
    role: string;
    status: RoleHealth['status'];
    restarts?: number;
    startedAt?: string | null;
    lastSeen?: string | null;
  }>;
  certificate?: { daysLeft: number; selfSigned: boolean } | null;
}

export class HealthService {
  constructor(
    private readonly servers: Pick<ServerService, 'list'>,
    private readonly vault: Vault,
    private readonly control: Pick<ControlAccess, 'with'>,
  ) {}

  async health(serverId: string): Promise<ServerHealth> {
    const answer = await this.control.with(serverId, ({ api }) => api.get<HealthAnswer>('/v1/health'));
    return {
      serverId,
      status: answer.status,
      version: answer.version,
      checkedAt: answer.time,
      redis: answer.redis,
      roles: answer.roles.map((r) => ({
        role: r.role,
        status: r.status,
        restarts: r.restarts ?? 0,
        startedAt: r.startedAt ?? null,
        lastSeen: r.lastSeen ?? null,
      })),
      certificate: answer.certificate
        ? { daysLeft: answer.certificate.daysLeft, selfSigned: answer.certificate.selfSigned }
        : null,
    };
  }

  /** Every server, asked at the same time; one that does not answer is "unreachable", never an error. */
  async overview(): Promise<ServerSummary[]> {
    const profiles = await this.servers.list();
    return Promise.all(
      profiles.map(async (p): Promise<ServerSummary> => {
        const base = { serverId: p.id, name: p.name, host: p.host, rolesDown: [], rolesTotal: 0 };
        if (!(await readDeployment(this.vault, p.id))) return { ...base, state: 'not-deployed' };
        try {
          const h = await this.health(p.id);
          const rolesDown = h.roles.filter((r) => r.status !== 'up').map((r) => r.role);
          if (h.redis === 'down') rolesDown.push('redis');
          return {
            ...base,
            state: rolesDown.length ? 'degraded' : 'ok',
            rolesDown,
            rolesTotal: h.roles.length,
          };
        } catch (err) {
          const problem =
            err instanceof FacteurError
              ? err.message
              : 'The server did not answer: check that it is running.';
          return { ...base, state: 'unreachable', problem };
        }
      }),
    );
  }
}
