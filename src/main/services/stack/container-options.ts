/**
 * Docker Engine API create options (POST /containers/create) derived from the stack spec.
 * Pure functions: the deployer sends them through DockerClient; tests read them.
 */
import { createHash } from 'node:crypto';
import { compareApiVersions } from '../docker/api-version';
import {
  CONFIG_FILE,
  SERVICE_LABEL,
  SPEC_HASH_LABEL,
  STACK_LABEL,
  containerName,
  type HealthSpec,
  type ServiceSpec,
  type StackSpec,
} from './stack-spec';

const NS_PER_S = 1_000_000_000;

export interface ContainerPlan {
  name: string;
  service: ServiceSpec;
  /** Engine API JSON, labels included. */
  body: Record<string, unknown>;
  /** Hash of everything but itself: equal hash + equal image id means the container is current. */
  specHash: string;
}

/** The bind mounts of a service: the data directory at the same path, read-only where possible. */
export function bindsOf(spec: StackSpec, service: ServiceSpec): string[] {
  const backups = service.mountsBackups ? [`${spec.backupDir}:${spec.backupDir}`] : [];
  if (!service.dataReadOnly) return [`${spec.dataDir}:${spec.dataDir}`, ...backups];
  return [
    `${spec.dataDir}:${spec.dataDir}:ro`,
    ...service.dataReadOnly.writable.map((d) => `${spec.dataDir}/${d}:${spec.dataDir}/${d}`),
    ...backups,
  ];
}

export function healthcheckOf(h: HealthSpec, apiVersion: string): Record<string, unknown> {
  return {
    Test: ['CMD', ...h.command],
    Interval: h.intervalS * NS_PER_S,
    Timeout: h.timeoutS * NS_PER_S,
    Retries: h.retries,
    StartPeriod: h.startPeriodS * NS_PER_S,
    // Only engines that know it (API 1.44+); older ones probe every Interval from the start.
    ...(compareApiVersions(apiVersion, '1.44') >= 0 ? { StartInterval: h.startIntervalS * NS_PER_S } : {}),
  };
}

export function securityOf(service: ServiceSpec): {
  CapDrop: string[];
  CapAdd: string[];
  SecurityOpt: string[];
} {
  return {
    CapDrop: ['ALL'],
    CapAdd: service.bindsPrivilegedPorts ? ['NET_BIND_SERVICE'] : [],
    // no-new-privileges would also stop the entrypoint's setpriv from taking its file capability,
    // which is how an unprivileged process gets NET_BIND_SERVICE: only where no port < 1024 is needed.
    SecurityOpt: service.bindsPrivilegedPorts ? [] : ['no-new-privileges:true'],
  };
}

export function containerPlan(spec: StackSpec, service: ServiceSpec, apiVersion: string): ContainerPlan {
  const name = containerName(spec, service);
  const body: Record<string, unknown> = {
    Image: spec.image,
    Cmd: service.command,
    User: `${spec.uid}:${spec.uid}`,
    Env: [`FACTEUR_CONFIG=${spec.dataDir}/${CONFIG_FILE}`],
    WorkingDir: spec.dataDir,
    Healthcheck: healthcheckOf(service.health, apiVersion),
    StopTimeout: service.stopTimeoutS,
    HostConfig: {
      NetworkMode: 'host',
      Binds: bindsOf(spec, service),
      ReadonlyRootfs: true,
      Tmpfs: { [spec.tmpfs.path]: spec.tmpfs.options },
      ...securityOf(service),
      RestartPolicy: { Name: spec.restart, MaximumRetryCount: 0 },
      LogConfig: {
        Type: 'json-file',
        Config: { 'max-size': spec.logs.maxSize, 'max-file': String(spec.logs.maxFile) },
      },
      PidsLimit: service.pidsLimit,
      Init: false,
    },
  };
  const specHash = createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 32);
  body.Labels = {
    [STACK_LABEL]: spec.stack,
    [SERVICE_LABEL]: service.name,
    [SPEC_HASH_LABEL]: specHash,
    'org.facteur.roles': service.roles.join(','),
  };
  return { name, service, body, specHash };
}

/** The one-shot container that prepares the data directory (secrets, config DB, TLS). */
export function initPlan(spec: StackSpec): { name: string; body: Record<string, unknown> } {
  return oneShotPlan(spec, { name: 'init', command: spec.init.command, network: 'none' });
}

/**
 * A one-shot container of the image with the data and backup directories (init, backup restore).
 * network 'host' when it must reach a backup target (SFTP host, S3 endpoint); else none at all.
 */
export function oneShotPlan(
  spec: StackSpec,
  opts: { name: string; command: string[]; network: 'none' | 'host' },
): { name: string; body: Record<string, unknown> } {
  return {
    name: `${spec.stack}-${opts.name}`,
    body: {
      Image: spec.image,
      Cmd: opts.command,
      User: `${spec.uid}:${spec.uid}`,
      Env: [`FACTEUR_CONFIG=${spec.dataDir}/${CONFIG_FILE}`],
      WorkingDir: spec.dataDir,
      Labels: { [STACK_LABEL]: spec.stack, [SERVICE_LABEL]: opts.name },
      HostConfig: {
        NetworkMode: opts.network,
        Binds: [`${spec.dataDir}:${spec.dataDir}`, `${spec.backupDir}:${spec.backupDir}`],
        ReadonlyRootfs: true,
        Tmpfs: { [spec.tmpfs.path]: spec.tmpfs.options },
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges:true'],
        LogConfig: { Type: 'json-file', Config: { 'max-size': '1m', 'max-file': '1' } },
      },
    },
  };
}
