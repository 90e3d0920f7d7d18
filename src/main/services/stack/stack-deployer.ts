/**
 * Deploys the Facteur stack to a server over its one SSH connection: the image (image-upload.ts:
 * only what the server lacks, resumable), the data directory with the config and
 * secrets files, a one-shot `init`, then the containers of stack-spec.ts in order — Redis first and
 * healthy before the roles start — each waited for until its role answers its protocol.
 *
 * Idempotent: a container whose create options and image are unchanged is kept (started if it is
 * stopped); a changed one is replaced; containers of services the spec no longer has are removed.
 * Secrets are generated once and never replaced. Commands run through the given shell as root.
 */
import { randomBytes } from 'node:crypto';
import { FacteurError } from '../../../shared/errors';
import type { ContainerState, DockerClient } from '../docker/docker-client';
import { containerPlan, initPlan, type ContainerPlan } from './container-options';
import type { ImageArchive } from './image-archive';
import type { ImageProgress, ImageTransferResult } from './image-upload';
import { shq, type RemoteShell } from './remote-shell';
import { issueControlToken, runOneShot, waitServiceHealthy } from './stack-ops';
import {
  CONFIG_FILE,
  SECRETS_FILE,
  SERVICE_LABEL,
  SPEC_HASH_LABEL,
  STACK_LABEL,
  stackSpec,
  type ServiceSpec,
  type StackLayout,
  type StackSpec,
} from './stack-spec';

export { shq, type RemoteShell };

export type DeployProgress =
  | { step: 'docker'; version: string; apiVersion: string }
  | ImageProgress
  | { step: 'data-dir'; state: 'ready'; secretsCreated: string[] }
  | { step: 'init'; state: 'done'; seconds: number }
  | { step: 'containers'; state: 'created'; services: string[] }
  | { step: 'container'; service: string; state: 'kept' | 'created' | 'replaced' | 'removed' | 'started' }
  | { step: 'health'; service: string; state: 'waiting' | 'healthy'; seconds?: number }
  | { step: 'done'; seconds: number };

export interface StackDeployOptions {
  archive: ImageArchive;
  /** Gets the image onto the server (ImageUploader). */
  image: { ensure(): Promise<ImageTransferResult> };
  /** More files for the data directory (name -> content), written like the config (mode 600). */
  dataFiles?: Record<string, string>;
  /** The server's configuration (facteur.json; server-bundle/src/run/server-config.ts). */
  serverConfig: Record<string, unknown>;
  dataDir?: string;
  stack?: string;
  layout?: StackLayout;
  healthTimeoutMs: number;
  /** For the one-shot init container and each command. */
  commandTimeoutMs: number;
  onProgress?: (p: DeployProgress) => void;
  /** Issue a new control API token (the previous one stops working) and return it. */
  issueControlToken?: boolean;
}

export interface DeployResult {
  imageId: string;
  apiVersion: string;
  imageUploaded: boolean;
  imageBytesSent: number;
  imageBytesReused: number;
  services: Array<{ name: string; container: string; action: 'kept' | 'created' | 'replaced' }>;
  controlToken?: string;
  seconds: number;
}

const HEX64 = /^[0-9a-f]{64}$/;

export class StackDeployer {
  readonly spec: StackSpec;
  private apiVersion = '1.41';

  constructor(
    private readonly shell: RemoteShell,
    private readonly docker: DockerClient,
    private readonly options: StackDeployOptions,
  ) {
    this.spec = stackSpec({
      image: options.archive.manifest.image,
      dataDir: options.dataDir,
      stack: options.stack,
      layout: options.layout,
      uid: options.archive.manifest.user?.uid,
    });
  }

  private progress(p: DeployProgress): void {
    this.options.onProgress?.(p);
  }

  async deploy(): Promise<DeployResult> {
    const t0 = Date.now();
    const v = await this.docker.version();
    this.apiVersion = await this.docker.apiVersion();
    this.progress({ step: 'docker', version: v.version, apiVersion: this.apiVersion });
    const image = await this.options.image.ensure();
    await this.prepareDataDir();
    await this.runInit();
    const services = await this.startContainers();
    let controlToken: string | undefined;
    if (this.options.issueControlToken) controlToken = await this.issueControlToken();
    const seconds = (Date.now() - t0) / 1000;
    this.progress({ step: 'done', seconds });
    return {
      imageId: this.options.archive.manifest.imageId,
      apiVersion: this.apiVersion,
      imageUploaded: image.uploaded,
      imageBytesSent: image.bytesSent,
      imageBytesReused: image.bytesReused,
      services,
      ...(controlToken ? { controlToken } : {}),
      seconds,
    };
  }

  private async run(command: string, stdin?: string): Promise<string> {
    const res = await this.shell.exec(command, { stdin, timeoutMs: this.options.commandTimeoutMs });
    if (res.code !== 0) {
      throw new FacteurError(
        'COMMAND_FAILED',
        `A command on the server failed (exit ${res.code}): ${res.stderr.trim().slice(0, 500) || res.stdout.trim().slice(0, 500)}`,
      );
    }
    return res.stdout;
  }

  /** Writes a file of the data directory atomically: mode 600, owned by the image's user. */
  private async writeDataFile(name: string, content: string): Promise<void> {
    const { dataDir, uid } = this.spec;
    const file = shq(`${dataDir}/${name}`);
    await this.run(
      `set -eu; umask 077; f=${file}; t="$f.tmp.$$"; cat > "$t"; chown ${uid}:${uid} "$t"; chmod 600 "$t"; ` +
        `sync "$t" 2>/dev/null || true; mv -f "$t" "$f"`,
      content,
    );
  }

  /** /var/lib/facteur (mode 700, the image's user), its config file, and secrets generated once. */
  async prepareDataDir(): Promise<void> {
    const { dataDir, uid } = this.spec;
    const writable = this.spec.services.flatMap((s) => s.dataReadOnly?.writable ?? []);
    const dirs = [dataDir, ...writable.map((w) => `${dataDir}/${w}`), this.spec.backupDir].map(shq).join(' ');
    const existing = await this.run(
      `set -eu; install -d -m 700 -o ${uid} -g ${uid} ${dirs}; chown ${uid}:${uid} ${shq(dataDir)}; ` +
        `chmod 700 ${shq(dataDir)}; cat ${shq(`${dataDir}/${SECRETS_FILE}`)} 2>/dev/null || true`,
    );
    let secrets: Record<string, unknown> = { v: 1 };
    if (existing.trim()) {
      try {
        secrets = JSON.parse(existing) as Record<string, unknown>;
      } catch {
        throw new FacteurError(
          'COMMAND_FAILED',
          `${dataDir}/${SECRETS_FILE} on the server is not valid JSON; Facteur will not overwrite it.`,
        );
      }
    }
    const created: string[] = [];
    for (const name of ['configDbKey', 'redisPassword']) {
      const value = secrets[name];
      if (typeof value === 'string' && HEX64.test(value)) continue;
      if (value !== undefined) {
        throw new FacteurError(
          'COMMAND_FAILED',
          `${dataDir}/${SECRETS_FILE} holds an invalid ${name}; Facteur will not replace it.`,
        );
      }
      secrets[name] = randomBytes(32).toString('hex');
      created.push(name);
    }
    if (created.length) await this.writeDataFile(SECRETS_FILE, JSON.stringify(secrets, null, 2) + '\n');
    const config = { ...this.options.serverConfig, dataDir };
    await this.writeDataFile(CONFIG_FILE, JSON.stringify(config, null, 2) + '\n');
    for (const [name, content] of Object.entries(this.options.dataFiles ?? {})) {
      await this.writeDataFile(name, content);
    }
    this.progress({ step: 'data-dir', state: 'ready', secretsCreated: created });
  }

  /** `facteur-server init` in a one-shot container: secrets, config DB migrations, TLS. */
  async runInit(): Promise<void> {
    const t0 = Date.now();
    const { exit, logs } = await runOneShot(this.docker, initPlan(this.spec), {
      what: 'preparing the data directory (facteur-server init)',
      timeoutMs: this.options.commandTimeoutMs,
    });
    if (exit !== 0)
      throw new FacteurError(
        'COMMAND_FAILED',
        `Preparing the data directory failed (exit ${exit}): ${logs.trim().slice(-800)}`,
      );
    this.progress({ step: 'init', state: 'done', seconds: (Date.now() - t0) / 1000 });
  }

  plans(): ContainerPlan[] {
    return this.spec.services.map((s) => containerPlan(this.spec, s, this.apiVersion));
  }

  /** Creates or keeps each container, starts it; Redis healthy first, then every role. */
  async startContainers(): Promise<DeployResult['services']> {
    const plans = this.plans();
    const wanted = new Set(plans.map((p) => p.name));
    for (const name of await this.docker.containersWithLabel(`${STACK_LABEL}=${this.spec.stack}`)) {
      if (wanted.has(name) || name === initPlan(this.spec).name) continue;
      await this.docker.removeContainer(name, { force: true });
      this.progress({ step: 'container', service: name, state: 'removed' });
    }
    const results: DeployResult['services'] = [];
    const ensure = async (plan: ContainerPlan): Promise<void> => {
      const current = await this.docker.inspectContainer(plan.name);
      let action: 'kept' | 'created' | 'replaced';
      if (current && this.isCurrent(current, plan)) {
        action = 'kept';
      } else {
        if (current) {
          // Open sessions get their stop timeout to say goodbye before the replacement starts.
          await this.docker.stopContainer(plan.name, plan.service.stopTimeoutS);
          await this.docker.removeContainer(plan.name, { force: true });
        }
        await this.docker.createContainer(plan.name, plan.body);
        action = current ? 'replaced' : 'created';
      }
      this.progress({ step: 'container', service: plan.service.name, state: action });
      results.push({ name: plan.service.name, container: plan.name, action });
    };
    for (const plan of plans) await ensure(plan);
    this.progress({ step: 'containers', state: 'created', services: plans.map((p) => p.service.name) });
    const [first, ...rest] = plans;
    if (first) {
      await this.start(first);
      await this.waitHealthy(first.service);
    }
    for (const plan of rest) await this.start(plan);
    for (const plan of rest) await this.waitHealthy(plan.service);
    return results;
  }

  private isCurrent(current: ContainerState, plan: ContainerPlan): boolean {
    return (
      current.imageId === this.options.archive.manifest.imageId &&
      current.labels[SPEC_HASH_LABEL] === plan.specHash &&
      current.labels[SERVICE_LABEL] === plan.service.name
    );
  }

  private async start(plan: ContainerPlan): Promise<void> {
    const state = await this.docker.inspectContainer(plan.name);
    if (state?.running) return;
    await this.docker.startContainer(plan.name);
    this.progress({ step: 'container', service: plan.service.name, state: 'started' });
  }

  /** Waits until the service answers its protocol (stack-ops.ts), with progress either side. */
  async waitHealthy(service: ServiceSpec): Promise<void> {
    this.progress({ step: 'health', service: service.name, state: 'waiting' });
    const seconds = await waitServiceHealthy(this.docker, this.spec, service, this.options.healthTimeoutMs);
    this.progress({ step: 'health', service: service.name, state: 'healthy', seconds });
  }

  /** A new control API token, issued inside the running admin container (never written to logs). */
  issueControlToken(): Promise<string> {
    return issueControlToken(this.docker, this.spec, this.options.commandTimeoutMs);
  }

  /** Stops and removes every container of the stack (the data directory stays). */
  async removeStack(): Promise<void> {
    for (const name of await this.docker.containersWithLabel(`${STACK_LABEL}=${this.spec.stack}`)) {
      await this.docker.removeContainer(name, { force: true });
    }
  }
}
