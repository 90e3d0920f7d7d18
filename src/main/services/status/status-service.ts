/**
 * The status checks of a deployed server: one root session reads the system (status probe),
 * Docker and the control API's health; from this computer Facteur tries each public mail port,
 * checks the domain's DNS records and PTR (DnsService), and asks the DNS blocklists.
 */
import { lookup } from 'node:dns/promises';
import { isIPv4 } from 'node:net';
import type { DnsCheckReport } from '../../../shared/dns';
import type { StatusReport } from '../../../shared/status';
import type { DesktopConfig } from '../../config';
import { BackupApi } from '../backup/backup-api';
import { ControlClient } from '../control/control-client';
import { requireDeployment } from '../deploy/deployment-record';
import type { DnsService } from '../dns/dns-service';
import type { ContainerState, DockerClient } from '../docker/docker-client';
import type { HostAccess } from '../host/host-access';
import type { ServerService } from '../servers/server-service';
import type { Vault } from '../vault/vault';
import { blocklistsCheck, lookupBlocklists } from './blocklists';
import { dnsCheck, ptrCheck } from './dns-status';
import { portsCheck, probePorts, PUBLIC_MAIL_PORTS } from './port-reachability';
import {
  globalIpv6,
  parsePendingUpdates,
  parseStatusProbe,
  PENDING_UPDATES_SCRIPT,
  statusProbeScript,
} from './server-probe';
import {
  backupsCheck,
  diskCheck,
  firewallCheck,
  memoryCheck,
  sshPasswordCheck,
  updatesCheck,
} from './server-checks';
import {
  certificateCheck,
  containersCheck,
  dockerCheck,
  rolesCheck,
  type ServerHealth,
} from './stack-checks';

/** Label every container of the stack carries (services/stack/stack-spec.ts). */
const STACK_LABEL = 'org.facteur.stack';

const errorOf = (err: unknown): { error: string } => ({
  error: err instanceof Error ? err.message : String(err),
});

/** The server's IPv4 address: its host when that is one, else what the name resolves to. */
export async function serverIpv4(host: string): Promise<string | undefined> {
  if (isIPv4(host)) return host;
  return lookup(host, { family: 4 }).then(
    (r) => r.address,
    () => undefined,
  );
}

async function stackContainers(docker: DockerClient): Promise<ContainerState[]> {
  const names = await docker.containersWithLabel(STACK_LABEL);
  const states = await Promise.all(names.map((n) => docker.inspectContainer(n)));
  return states.filter((s): s is ContainerState => !!s).sort((a, b) => a.name.localeCompare(b.name));
}

export class StatusService {
  constructor(
    private readonly servers: Pick<ServerService, 'get'>,
    private readonly hosts: Pick<HostAccess, 'session'>,
    private readonly vault: Vault,
    private readonly dns: Pick<DnsService, 'check'>,
    private readonly config: DesktopConfig,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async run(serverId: string): Promise<StatusReport> {
    const deployment = await requireDeployment(this.vault, serverId);
    const profile = await this.servers.get(serverId);
    const ipv4 = await serverIpv4(profile.host);
    const timeoutMs = this.config.ssh.commandMs;
    const fromHere = this.fromThisComputer(serverId, deployment.domain, ipv4);

    const session = await this.hosts.session(serverId);
    let onServer;
    try {
      const api = new ControlClient(session.conn, {
        port: deployment.controlPort,
        token: deployment.controlToken,
        timeoutMs,
      });
      const [probe, updates, health, docker, containers, backups] = await Promise.all([
        session.root.exec(statusProbeScript(), { timeoutMs }).then((r) => parseStatusProbe(r.stdout)),
        session.root
          .exec(PENDING_UPDATES_SCRIPT, { timeoutMs: this.config.status.updatesTimeoutMs })
          .then((r) => parsePendingUpdates(r.stdout), errorOf),
        api.get<ServerHealth>('/v1/health').catch(errorOf),
        session.docker.version().catch(errorOf),
        stackContainers(session.docker).catch(errorOf),
        new BackupApi(api).settings().catch(errorOf),
      ]);
      onServer = { probe, updates, health, docker, containers, backups };
    } finally {
      session.close();
    }
    const { probe, updates, health, docker, containers, backups } = onServer;
    const ipv6 = globalIpv6(probe)[0];
    const { portTimeoutMs } = this.config.status;
    const [v4, v6, here] = await Promise.all([
      ipv4 ? probePorts(ipv4, PUBLIC_MAIL_PORTS, portTimeoutMs) : undefined,
      ipv6 ? probePorts(ipv6, PUBLIC_MAIL_PORTS, portTimeoutMs) : undefined,
      fromHere,
    ]);

    const checks = [
      portsCheck(
        'portsIpv4',
        v4 && ipv4
          ? { address: ipv4, outcomes: v4 }
          : { missing: 'the server has no IPv4 address Facteur knows' },
      ),
      portsCheck(
        'portsIpv6',
        v6 && ipv6 ? { address: ipv6, outcomes: v6 } : { missing: 'the server has no public IPv6 address' },
      ),
      rolesCheck(health),
      dnsCheck(here.dns, deployment.domain),
      ptrCheck(here.dns),
      certificateCheck(health),
      blocklistsCheck(here.blocklists, ipv4),
      diskCheck(probe),
      memoryCheck(probe),
      backupsCheck(backups, this.now()),
      updatesCheck(updates),
      firewallCheck(probe, PUBLIC_MAIL_PORTS),
      sshPasswordCheck(probe),
      dockerCheck(docker),
      containersCheck(containers),
    ];
    return { serverId, ranAt: this.now().toISOString(), checks };
  }

  /** What needs no SSH: the DNS records as the world sees them, and the blocklists. */
  private async fromThisComputer(serverId: string, domain: string, ipv4: string | undefined) {
    const [dns, blocklists] = await Promise.all([
      this.dns
        .check({ serverId, domain, dkim: [], dmarcPolicy: 'quarantine', acmeCa: 'letsencrypt.org', tlsa: [] })
        .catch((err: unknown): { error: string } => errorOf(err)) as Promise<
        DnsCheckReport | { error: string }
      >,
      lookupBlocklists(ipv4, this.blocklistOptions()),
    ]);
    return { dns, blocklists };
  }

  blocklistOptions() {
    return {
      zones: this.config.status.blocklists,
      resolvers: this.config.status.blocklistResolvers,
      timeoutMs: this.config.dns.timeoutMs,
      tries: this.config.dns.tries,
    };
  }
}
