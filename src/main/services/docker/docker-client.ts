/**
 * The only module that imports dockerode. Docker API calls travel over the server's one SSH
 * connection: each HTTP request opens a channel to the remote Docker socket (no extra SSH logins).
 *
 * The API version is negotiated, never pinned: the first call asks the daemon (unversioned
 * `/version`) and every later one uses min(daemon's version, MAX_API_VERSION), as the docker CLI
 * does — so Engine 20.10 (API 1.41) and current releases both get requests they understand.
 */
import http from 'node:http';
import { Transform, type Duplex, type Readable } from 'node:stream';
import Docker from 'dockerode';
import { FacteurError } from '../../../shared/errors';
import { compareApiVersions } from './api-version';

export { compareApiVersions };

export interface DockerVersion {
  version: string;
  apiVersion: string;
}

export interface SocketOpener {
  openUnixSocket(path: string): Promise<Duplex>;
}

/** The newest Engine API this client knows; the daemon may speak an older one. */
export const MAX_API_VERSION = '1.47';
/** Docker Engine 20.10, the oldest that Debian 11 and Ubuntu 20.04 ship. */
export const MIN_API_VERSION = '1.41';

/** Engine API JSON for POST /containers/create (the subset Facteur uses; see stack-spec.ts). */
export type ContainerCreateBody = Record<string, unknown>;

export interface ContainerState {
  id: string;
  name: string;
  imageId: string;
  labels: Record<string, string>;
  status: string;
  running: boolean;
  pid: number;
  exitCode: number;
  restartCount: number;
  /** starting | healthy | unhealthy, when the container has a healthcheck. */
  health?: string;
  startedAt: string;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export function negotiateApiVersion(serverApi: string): string {
  if (compareApiVersions(serverApi, MIN_API_VERSION) < 0) {
    throw new FacteurError(
      'COMMAND_FAILED',
      `The server's Docker is too old (API ${serverApi}); Facteur needs Docker Engine 20.10 or newer (API ${MIN_API_VERSION}).`,
      { apiVersion: serverApi },
    );
  }
  return compareApiVersions(serverApi, MAX_API_VERSION) < 0 ? serverApi : MAX_API_VERSION;
}

function statusOf(err: unknown): number | undefined {
  return (err as { statusCode?: number }).statusCode;
}

function dockerError(what: string, err: unknown): FacteurError {
  if (err instanceof FacteurError) return err;
  const e = err as { json?: { message?: string }; message?: string };
  const detail = e.json?.message ?? e.message ?? String(err);
  return new FacteurError('COMMAND_FAILED', `Docker on the server could not ${what}: ${detail}`, {
    detail: String(detail).slice(0, 500),
  });
}

export class DockerClient {
  private readonly agent: http.Agent;
  private negotiated: Promise<{ docker: Docker; apiVersion: string; version: DockerVersion }> | undefined;

  constructor(ssh: SocketOpener, socketPath = '/var/run/docker.sock') {
    const agent = new http.Agent({ keepAlive: false });
    // http.Agent accepts an asynchronous createConnection(options, callback).
    (agent as unknown as { createConnection: unknown }).createConnection = (
      _options: unknown,
      callback: (err: Error | null, socket?: Duplex) => void,
    ) => {
      ssh.openUnixSocket(socketPath).then(
        (stream) => callback(null, stream),
        (err: Error) => callback(err),
      );
    };
    this.agent = agent;
  }

  private make(version?: string): Docker {
    return new Docker({
      protocol: 'http',
      host: 'docker',
      port: 80,
      agent: this.agent,
      ...(version ? { version: `v${version}` } : {}),
    } as Docker.DockerOptions);
  }

  /** Asks the daemon once which API it speaks; every later call uses the agreed version. */
  private api(): Promise<Docker> {
    this.negotiated ??= (async () => {
      const v = await this.make().version();
      const apiVersion = negotiateApiVersion(v.ApiVersion);
      return {
        docker: this.make(apiVersion),
        apiVersion,
        version: { version: v.Version, apiVersion: v.ApiVersion },
      };
    })();
    this.negotiated.catch(() => (this.negotiated = undefined));
    return this.negotiated.then((n) => n.docker);
  }

  async version(): Promise<DockerVersion> {
    await this.api();
    return (await this.negotiated!).version;
  }

  /** The API version requests use (after negotiation). */
  async apiVersion(): Promise<string> {
    await this.api();
    return (await this.negotiated!).apiVersion;
  }

  /** The image's id (sha256:...) if the daemon has it, by id or reference. */
  async imageId(ref: string): Promise<string | undefined> {
    const docker = await this.api();
    try {
      return (await docker.getImage(ref).inspect()).Id;
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw dockerError(`look up the image ${ref}`, err);
    }
  }

  /** An image's labels and id, if the daemon has it (by id or reference). */
  async imageInfo(ref: string): Promise<{ id: string; labels: Record<string, string> } | undefined> {
    const docker = await this.api();
    try {
      const info = await docker.getImage(ref).inspect();
      return { id: info.Id, labels: info.Config?.Labels ?? {} };
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw dockerError(`look up the image ${ref}`, err);
    }
  }

  /** `docker pull` of a reference from its registry; resolves once every layer is in place. */
  async pullImage(ref: string, onStatus?: (status: string) => void): Promise<void> {
    const docker = await this.api();
    let stream: NodeJS.ReadableStream;
    try {
      stream = (await docker.pull(ref)) as NodeJS.ReadableStream;
    } catch (err) {
      throw dockerError(`pull the image ${ref}`, err);
    }
    let rest = '';
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const lines = (rest + chunk.toString('utf8')).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.trim()) continue;
        const msg = JSON.parse(line) as {
          status?: string;
          error?: string;
          errorDetail?: { message?: string };
        };
        if (msg.error || msg.errorDetail)
          throw dockerError(`pull the image ${ref}`, new Error(msg.errorDetail?.message ?? msg.error));
        if (msg.status) onStatus?.(msg.status);
      }
    }
  }

  /** The layer lists (diff ids, oldest first) of every image the daemon holds. */
  async imageLayerLists(): Promise<string[][]> {
    const docker = await this.api();
    try {
      const images = await docker.listImages({ all: false });
      const lists = await Promise.all(
        images.map((i) =>
          docker
            .getImage(i.Id)
            .inspect()
            .then(
              (info) => info.RootFS?.Layers ?? [],
              () => [],
            ),
        ),
      );
      return lists.filter((l) => l.length > 0);
    } catch (err) {
      throw dockerError('list the images', err);
    }
  }

  /** Where the daemon keeps images and containers (DockerRootDir), and its storage driver. */
  async storage(): Promise<{ rootDir: string; driver: string; containerdStore: boolean }> {
    const docker = await this.api();
    try {
      const info = (await docker.info()) as {
        DockerRootDir?: string;
        Driver?: string;
        DriverStatus?: Array<[string, string]>;
      };
      const status = JSON.stringify(info.DriverStatus ?? []);
      return {
        rootDir: info.DockerRootDir ?? '/var/lib/docker',
        driver: info.Driver ?? '',
        containerdStore: status.includes('io.containerd.snapshotter'),
      };
    } catch (err) {
      throw dockerError('read the daemon information', err);
    }
  }

  /**
   * `docker load` of an image archive (tar, or gzip-compressed tar), streamed: the source is piped
   * into the request as it is read, never held in memory. Resolves with the images loaded.
   */
  async loadImage(source: Readable, onBytes?: (sent: number) => void): Promise<string[]> {
    const docker = await this.api();
    let sent = 0;
    // Counts what the request consumed (backpressure from the SSH channel paces the file read).
    const counted = new Transform({
      highWaterMark: 1 << 20,
      transform(chunk: Buffer, _encoding, callback) {
        sent += chunk.length;
        onBytes?.(sent);
        callback(null, chunk);
      },
    });
    source.on('error', (err) => counted.destroy(err));
    source.pipe(counted);
    let response: NodeJS.ReadableStream;
    try {
      response = (await docker.loadImage(counted, { quiet: true })) as NodeJS.ReadableStream;
    } catch (err) {
      source.destroy();
      throw dockerError('load the image', err);
    }
    let text = '';
    for await (const chunk of response as AsyncIterable<Buffer>) text += chunk.toString('utf8');
    const loaded: string[] = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      let msg: { stream?: string; error?: string; errorDetail?: { message?: string } };
      try {
        msg = JSON.parse(line) as typeof msg;
      } catch {
        continue;
      }
      if (msg.error || msg.errorDetail)
        throw dockerError('load the image', new Error(msg.errorDetail?.message ?? msg.error));
      const m = /Loaded image(?: ID)?: (\S+)/.exec(msg.stream ?? '');
      if (m) loaded.push(m[1]!);
    }
    return loaded;
  }

  async inspectContainer(name: string): Promise<ContainerState | undefined> {
    const docker = await this.api();
    let info: Docker.ContainerInspectInfo;
    try {
      info = await docker.getContainer(name).inspect();
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw dockerError(`inspect the container ${name}`, err);
    }
    const state = info.State as Docker.ContainerInspectInfo['State'] & { Health?: { Status?: string } };
    return {
      id: info.Id,
      name: info.Name.replace(/^\//, ''),
      imageId: info.Image,
      labels: info.Config.Labels ?? {},
      status: state.Status,
      running: state.Running,
      pid: state.Pid,
      exitCode: state.ExitCode,
      restartCount: info.RestartCount,
      health: state.Health?.Status,
      startedAt: state.StartedAt,
    };
  }

  /** Names of the containers carrying a label (all states). */
  async containersWithLabel(label: string): Promise<string[]> {
    const docker = await this.api();
    try {
      const list = await docker.listContainers({ all: true, filters: { label: [label] } });
      return list.map((c) => (c.Names[0] ?? c.Id).replace(/^\//, ''));
    } catch (err) {
      throw dockerError('list containers', err);
    }
  }

  async createContainer(name: string, body: ContainerCreateBody): Promise<string> {
    const docker = await this.api();
    try {
      const c = await docker.createContainer({ ...body, name } as Docker.ContainerCreateOptions);
      return c.id;
    } catch (err) {
      throw dockerError(`create the container ${name}`, err);
    }
  }

  async renameContainer(name: string, newName: string): Promise<void> {
    const docker = await this.api();
    try {
      await docker.getContainer(name).rename({ name: newName });
    } catch (err) {
      throw dockerError(`rename the container ${name}`, err);
    }
  }

  async startContainer(name: string): Promise<void> {
    const docker = await this.api();
    try {
      await docker.getContainer(name).start();
    } catch (err) {
      if (statusOf(err) === 304) return; // already running
      throw dockerError(`start the container ${name}`, err);
    }
  }

  async stopContainer(name: string, timeoutS = 10): Promise<void> {
    const docker = await this.api();
    try {
      await docker.getContainer(name).stop({ t: timeoutS });
    } catch (err) {
      if (statusOf(err) === 304 || statusOf(err) === 404) return;
      throw dockerError(`stop the container ${name}`, err);
    }
  }

  async removeContainer(name: string, opts: { force?: boolean } = {}): Promise<void> {
    const docker = await this.api();
    try {
      await docker.getContainer(name).remove({ force: opts.force ?? false });
    } catch (err) {
      if (statusOf(err) === 404) return;
      throw dockerError(`remove the container ${name}`, err);
    }
  }

  /** Waits for a container to stop and returns its exit code. */
  async waitContainer(name: string): Promise<number> {
    const docker = await this.api();
    try {
      const r = (await docker.getContainer(name).wait()) as { StatusCode: number };
      return r.StatusCode;
    } catch (err) {
      throw dockerError(`wait for the container ${name}`, err);
    }
  }

  /** The last lines of a container's output (stdout and stderr interleaved). */
  async containerLogs(name: string, tail = 50): Promise<string> {
    const docker = await this.api();
    try {
      const buf = (await docker
        .getContainer(name)
        .logs({ stdout: true, stderr: true, tail, follow: false })) as unknown as Buffer;
      return demux(buf)
        .map((f) => f.data)
        .join('');
    } catch (err) {
      throw dockerError(`read the logs of ${name}`, err);
    }
  }

  /** Runs a command in a running container (as its user) and collects its output. */
  async exec(name: string, cmd: string[], opts: { timeoutMs?: number } = {}): Promise<ExecResult> {
    const docker = await this.api();
    const run = async (): Promise<ExecResult> => {
      const exec = await docker.getContainer(name).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
      const stream = (await exec.start({
        hijack: false,
        stdin: false,
        Detach: false,
        Tty: false,
      })) as Readable;
      const chunks: Buffer[] = [];
      for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
      const frames = demux(Buffer.concat(chunks));
      const info = await exec.inspect();
      return {
        exitCode: info.ExitCode ?? -1,
        stdout: frames
          .filter((f) => f.stream !== 2)
          .map((f) => f.data)
          .join(''),
        stderr: frames
          .filter((f) => f.stream === 2)
          .map((f) => f.data)
          .join(''),
      };
    };
    let timer: NodeJS.Timeout | undefined;
    try {
      if (!opts.timeoutMs) return await run();
      return await Promise.race([
        run(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(new FacteurError('TIMEOUT', `"${cmd.join(' ')}" in ${name} did not finish in time.`)),
            opts.timeoutMs,
          );
        }),
      ]);
    } catch (err) {
      throw dockerError(`run "${cmd.join(' ')}" in ${name}`, err);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Splits Docker's multiplexed stream (8-byte frame headers: stream, 0, 0, 0, size32be). */
function demux(buf: Buffer): Array<{ stream: number; data: string }> {
  const frames: Array<{ stream: number; data: string }> = [];
  let at = 0;
  while (at + 8 <= buf.length) {
    const stream = buf[at]!;
    const size = buf.readUInt32BE(at + 4);
    if (stream > 2 || buf[at + 1] !== 0) return [{ stream: 1, data: buf.toString('utf8') }]; // a TTY stream
    frames.push({ stream, data: buf.subarray(at + 8, at + 8 + size).toString('utf8') });
    at += 8 + size;
  }
  return frames;
}
