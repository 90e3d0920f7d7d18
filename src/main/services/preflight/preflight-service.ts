import type { PreflightReport } from '../../../shared/contract';
import type { DesktopConfig } from '../../config';
import { DockerClient } from '../docker/docker-client';
import type { ServerService } from '../servers/server-service';
import { evaluatePreflight, publicAddresses } from './preflight-checks';
import { parseProbe, probeScript } from './preflight-probe';
import { reverseLookup } from './reverse-dns';

/** Checks a server can host Facteur, before anything is installed. Changes nothing on it. */
export class PreflightService {
  constructor(
    private readonly servers: ServerService,
    private readonly config: DesktopConfig,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async run(serverId: string): Promise<PreflightReport> {
    const conn = await this.servers.connect(await this.servers.get(serverId));
    try {
      const { preflight } = this.config;
      const sent = Date.now();
      const result = await conn.exec(probeScript(preflight), {
        timeoutMs: this.config.ssh.commandMs + preflight.smtpProbeTimeoutS * 1000,
      });
      const roundTripS = (Date.now() - sent) / 1000;
      const probe = parseProbe(result.stdout);
      // The server read its clock at some point during the exec; the outbound probe ran after it.
      const localTimeS = sent / 1000 + Math.min(roundTripS, 0.5) / 2;
      const dockerVersion = await new DockerClient(conn).version().then(
        (v) => v.version,
        () => null,
      );
      const publicIp = publicAddresses(probe.addresses)[0];
      const ptr = publicIp
        ? await reverseLookup(publicIp, { servers: preflight.dnsServers, timeoutMs: preflight.dnsTimeoutMs })
        : undefined;
      const checks = evaluatePreflight({
        probe,
        dockerVersion,
        localTimeS,
        facteurPorts: [],
        ptr,
        smtpProbe: preflight.smtpProbe,
      });
      return { serverId, ranAt: this.now().toISOString(), checks };
    } finally {
      conn.close();
    }
  }
}
