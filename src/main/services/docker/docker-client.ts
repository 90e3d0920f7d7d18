/**
 * The only module that imports dockerode. Docker API calls travel over the server's one SSH
 * connection: each HTTP request opens a channel to the remote Docker socket (no extra SSH logins).
 * The API version is negotiated by the daemon (never pinned).
 */
import http from 'node:http';
import Docker from 'dockerode';
import type { Duplex } from 'node:stream';

export interface DockerVersion {
  version: string;
  apiVersion: string;
}

export interface SocketOpener {
  openUnixSocket(path: string): Promise<Duplex>;
}

export class DockerClient {
  private readonly docker: Docker;

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
    this.docker = new Docker({ protocol: 'http', host: 'docker', port: 80, agent } as Docker.DockerOptions);
  }

  async version(): Promise<DockerVersion> {
    const v = await this.docker.version();
    return { version: v.Version, apiVersion: v.ApiVersion };
  }
}
