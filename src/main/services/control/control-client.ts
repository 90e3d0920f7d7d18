/**
 * The desktop's client for the server's control API. The API listens on 127.0.0.1 on the server
 * only; every request travels as a TCP channel inside the server's one SSH connection.
 */
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { FacteurError } from '../../../shared/errors';

export interface TcpOpener {
  openTcp(host: string, port: number): Promise<Duplex>;
}

export interface ControlClientOptions {
  port: number;
  token: string;
  timeoutMs: number;
}

export class ControlApiError extends FacteurError {
  constructor(
    readonly status: number,
    readonly apiCode: string,
    message: string,
  ) {
    super(
      status === 404
        ? 'NOT_FOUND'
        : status === 400 || status === 409 || status === 422
          ? 'VALIDATION'
          : 'COMMAND_FAILED',
      message,
      {
        status,
        apiCode,
      },
    );
  }
}

export class ControlClient {
  constructor(
    private readonly ssh: TcpOpener,
    private readonly options: ControlClientOptions,
  ) {}

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  put<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('PUT', path, body);
  }

  patch<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('PATCH', path, body);
  }

  delete<T = void>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const channel = await this.ssh.openTcp('127.0.0.1', this.options.port);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise<T>((resolve, reject) => {
      const req = http.request(
        {
          method,
          path,
          host: '127.0.0.1',
          createConnection: () => channel as unknown as import('node:net').Socket,
          headers: {
            authorization: `Bearer ${this.options.token}`,
            accept: 'application/json',
            ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
          },
          timeout: this.options.timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const json = text ? (JSON.parse(text) as unknown) : undefined;
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) return resolve(json as T);
            const err = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
            reject(
              new ControlApiError(
                status,
                err?.code ?? 'HTTP_' + status,
                err?.message ?? `The server answered ${status}.`,
              ),
            );
          });
        },
      );
      req.on('timeout', () =>
        req.destroy(new FacteurError('TIMEOUT', 'The server took too long to answer.')),
      );
      req.on('error', (err) =>
        reject(
          err instanceof FacteurError
            ? err
            : new FacteurError('COMMAND_FAILED', `The control API could not be reached: ${err.message}`),
        ),
      );
      req.end(payload);
    });
  }
}
