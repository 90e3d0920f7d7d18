/**
 * The deploy journey's main step: from a server with Docker to "Your mail server is running".
 *
 * One attempt = one SSH connection (HostAccess.session): the image (only what the server lacks,
 * image-upload.ts), the data directory and containers (StackDeployer), the firewall, a fresh control
 * API token and the first domain, then the deployment record in the vault. Every step is idempotent,
 * so when the connection drops the whole attempt simply runs again on a new connection (the upload
 * resumes at the byte it reached), up to `deploy.reconnectAttempts` times.
 */
import { readFile } from 'node:fs/promises';
import type { Response } from '../../../shared/contract';
import type { DeployRequest } from '../../../shared/deploy';
import { FacteurError } from '../../../shared/errors';
import type { DesktopConfig } from '../../config';
import { ControlApiError, ControlClient } from '../control/control-client';
import type { HostAccess, HostSession } from '../host/host-access';
import { composeFile } from '../stack/compose';
import { readImageArchive, type ImageArchive } from '../stack/image-archive';
import { ImageUploader } from '../stack/image-upload';
import { StackDeployer, type DeployProgress } from '../stack/stack-deployer';
import { DEFAULT_DATA_DIR, containerName, stackSpec, type StackSpec } from '../stack/stack-spec';
import type { Vault } from '../vault/vault';
import { readDeployment, writeDeployment } from './deployment-record';
import { openMailPorts } from './firewall';

export type Report = (step: string, done: number, total?: number, message?: string) => void;

const ACME_CA_FILE = 'acme-ca.pem';

export class DeployService {
  constructor(
    private readonly hosts: HostAccess,
    private readonly vault: Vault,
    private readonly config: DesktopConfig,
  ) {}

  private archive(): Promise<ImageArchive> {
    return readImageArchive(this.config.deploy.resourcesDir);
  }

  async deploy(req: DeployRequest, report: Report = () => undefined): Promise<Response<'deployStack'>> {
    const archive = await this.archive();
    const t0 = Date.now();
    const { reconnectAttempts, reconnectDelayMs } = this.config.deploy;
    for (let attempt = 0; ; attempt++) {
      let lost = false;
      let session: HostSession | undefined;
      try {
        report('connect', 0, 1, attempt ? `Reconnecting (attempt ${attempt + 1})` : undefined);
        session = await this.hosts.session(req.serverId);
        session.conn.onClose(() => (lost = true));
        report('connect', 1, 1);
        return await this.attempt(session, req, archive, report, t0);
      } catch (err) {
        const retriable =
          lost || (err instanceof FacteurError && (err.code === 'UNREACHABLE' || err.code === 'TIMEOUT'));
        if (!retriable || attempt >= reconnectAttempts) throw err;
        report('connect', 0, 1, `The connection dropped: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, reconnectDelayMs));
      } finally {
        session?.close();
      }
    }
  }

  private async attempt(
    session: HostSession,
    req: DeployRequest,
    archive: ImageArchive,
    report: Report,
    t0: number,
  ): Promise<Response<'deployStack'>> {
    const { stack, deploy } = this.config;
    const docker = await session.docker.version().catch((err: Error) => {
      throw new FacteurError(
        'COMMAND_FAILED',
        `Docker does not answer on this server (${err.message}). Install Docker from the Setup page, ` +
          'or start it (`systemctl start docker`), then try again.',
        { missing: 'docker' },
      );
    });
    report('docker', 1, 1, `Docker ${docker.version}`);
    const onProgress = progressReporter(report);
    const caPem = deploy.acmeCaFile ? await readFile(deploy.acmeCaFile, 'utf8') : undefined;
    const serverConfig = mergeDeep(
      {
        hostname: req.hostname,
        acme: {
          ...(deploy.acmeDirectoryUrl ? { directoryUrl: deploy.acmeDirectoryUrl } : {}),
          ...(caPem ? { caCertFile: `${DEFAULT_DATA_DIR}/${ACME_CA_FILE}` } : {}),
        },
      },
      deploy.serverConfig,
    );
    const image = new ImageUploader(session.conn, session.root, session.docker, archive, {
      commandTimeoutMs: stack.stepTimeoutMs,
      diskMarginBytes: deploy.diskMarginBytes,
      onProgress,
    });
    const deployer = new StackDeployer(session.root, session.docker, {
      archive,
      image,
      serverConfig,
      dataFiles: caPem ? { [ACME_CA_FILE]: caPem } : {},
      healthTimeoutMs: stack.healthTimeoutMs,
      commandTimeoutMs: stack.stepTimeoutMs,
      issueControlToken: true,
      onProgress,
    });
    const result = await deployer.deploy();

    report('firewall', 0, 1);
    const publicPorts = [
      ...new Set(deployer.spec.services.flatMap((s) => s.ports.filter((p) => p.public).map((p) => p.port))),
    ].sort((a, b) => a - b);
    const firewall = deploy.firewall
      ? await openMailPorts(session.root, session.profile.port, publicPorts, stack.stepTimeoutMs)
      : { tool: 'none' as const, openedPorts: [] };
    report('firewall', 1, 1, firewall.tool === 'ufw' ? `ufw: ${firewall.openedPorts.join(', ')}` : undefined);

    const controlPort = controlPortOf(deployer.spec);
    const control = new ControlClient(session.conn, {
      port: controlPort,
      token: result.controlToken!,
      timeoutMs: stack.stepTimeoutMs,
    });
    await ensureDomain(control, req.domain);
    await writeDeployment(this.vault, req.serverId, {
      version: archive.manifest.version,
      imageId: archive.manifest.imageId,
      hostname: req.hostname,
      domain: req.domain,
      controlPort,
      controlToken: result.controlToken!,
      deployedAt: new Date().toISOString(),
    });
    const seconds = (Date.now() - t0) / 1000;
    report('done', 1, 1);
    return {
      serverId: req.serverId,
      version: archive.manifest.version,
      imageId: archive.manifest.imageId,
      imageBytesSent: result.imageBytesSent,
      imageBytesReused: result.imageBytesReused,
      services: result.services.map((s) => ({ name: s.name, action: s.action })),
      firewall,
      seconds,
    };
  }

  async info(serverId: string): Promise<Response<'deploymentInfo'>> {
    const archive = await this.archive();
    const bundledVersion = archive.manifest.version;
    const record = await readDeployment(this.vault, serverId);
    if (!record) return { serverId, deployed: false, bundledVersion, services: [] };
    const spec = stackSpec({ image: archive.manifest.image, uid: archive.manifest.user?.uid });
    const session = await this.hosts.session(serverId);
    try {
      const services = [];
      for (const service of spec.services) {
        const state = await session.docker.inspectContainer(containerName(spec, service));
        services.push({
          name: service.name,
          roles: [...service.roles],
          state: !state ? ('missing' as const) : state.running ? ('running' as const) : ('stopped' as const),
          health: healthOf(state?.health),
        });
      }
      return {
        serverId,
        deployed: true,
        version: record.version,
        hostname: record.hostname,
        domain: record.domain,
        deployedAt: record.deployedAt,
        bundledVersion,
        services,
      };
    } finally {
      session.close();
    }
  }

  async exportCompose(serverId: string): Promise<Response<'exportCompose'>> {
    const archive = await this.archive();
    const record = await readDeployment(this.vault, serverId);
    const spec = stackSpec({ image: archive.manifest.image, uid: archive.manifest.user?.uid });
    const generator = `Facteur ${archive.manifest.version}${record ? ` for ${record.hostname}` : ''}`;
    return { fileName: 'docker-compose.yml', content: composeFile(spec, { generator }) };
  }
}

/** Turns the deployer's progress into the contract's progress events (steps of deploySteps). */
function progressReporter(report: Report): (p: DeployProgress) => void {
  let services: string[] = [];
  let healthy = 0;
  return (p) => {
    switch (p.step) {
      case 'disk':
        report('disk', 1, 1, `${mb(p.freeBytes)} free on ${p.path}, about ${mb(p.neededBytes)} needed`);
        break;
      case 'image':
        if (p.state === 'uploading')
          report(
            'image',
            p.sentBytes,
            p.totalBytes,
            p.resumedFrom ? `resumed at ${mb(p.resumedFrom)}` : undefined,
          );
        else if (p.state === 'present') report('image', 1, 1, 'already on the server');
        else if (p.state === 'loaded') report('image', 1, 1, 'loaded');
        else report('image', 1, 1, p.state);
        break;
      case 'data-dir':
        report('config', 1, 1, p.secretsCreated.length ? 'secrets created' : undefined);
        break;
      case 'init':
        report('init', 1, 1);
        break;
      case 'containers':
        services = p.services;
        report('containers', services.length, services.length);
        break;
      case 'container':
        report('containers', 0, undefined, `${p.service}: ${p.state}`);
        break;
      case 'health':
        if (p.state === 'healthy') healthy++;
        report('health', healthy, services.length || undefined, `${p.service}: ${p.state}`);
        break;
      default:
        break;
    }
  };
}

function controlPortOf(spec: StackSpec): number {
  const service = spec.services.find((s) => s.roles.includes('control'));
  const port = service?.ports.find((p) => !p.public)?.port;
  if (!port) throw new FacteurError('INTERNAL', 'The stack has no control API port.');
  return port;
}

async function ensureDomain(control: ControlClient, domain: string): Promise<void> {
  try {
    await control.get(`/v1/domains/${encodeURIComponent(domain)}`);
  } catch (err) {
    if (!(err instanceof ControlApiError && err.status === 404)) throw err;
    await control.post('/v1/domains', { name: domain });
  }
}

function healthOf(h: string | undefined): 'healthy' | 'unhealthy' | 'starting' | 'none' {
  return h === 'healthy' || h === 'unhealthy' || h === 'starting' ? h : 'none';
}

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `patch` over `base`, object by object (arrays and values replace). */
export function mergeDeep(base: Plain, patch: Plain): Plain {
  const out: Plain = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    out[k] = isPlain(v) && isPlain(out[k]) ? mergeDeep(out[k], v) : v;
  }
  return out;
}

function mb(bytes: number): string {
  return `${Math.round(bytes / 1048576)} MB`;
}
