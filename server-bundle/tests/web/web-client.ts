// A real HTTP(S) client for the web role's tests: connects to a loopback port while sending the
// Host header (and TLS SNI) of the name under test, as a client that resolved that name would.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect, type PeerCertificate } from 'node:tls';

export interface WebResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export function fetchWeb(opts: {
  scheme: 'http' | 'https';
  port: number;
  host: string;
  path: string;
  method?: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
  /** Trusted CA (PEM) for https; the host name is verified against the certificate. */
  ca?: string;
  address?: string;
}): Promise<WebResponse> {
  const send = opts.scheme === 'https' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      {
        host: opts.address ?? '127.0.0.1',
        port: opts.port,
        path: opts.path,
        method: opts.method ?? 'GET',
        headers: { Host: opts.host, ...opts.headers },
        ...(opts.scheme === 'https'
          ? { servername: opts.host, ca: opts.ca, rejectUnauthorized: !!opts.ca, agent: false }
          : { agent: false }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Sends raw bytes and returns whatever comes back until the server closes (bad-input tests). */
export function rawExchange(
  port: number,
  bytes: string | Buffer,
  opts: { tls?: boolean; servername?: string } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = opts.tls
      ? tlsConnect({ host: '127.0.0.1', port, servername: opts.servername, rejectUnauthorized: false })
      : netConnect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    socket.on(opts.tls ? 'secureConnect' : 'connect', () => socket.write(bytes));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.on('error', (err) =>
      chunks.length ? resolve(Buffer.concat(chunks).toString('latin1')) : reject(err),
    );
    socket.setTimeout(5_000, () => socket.destroy());
  });
}

/** The leaf certificate a new TLS connection is given. */
export function peerCertificate(
  port: number,
  servername: string,
  address = '127.0.0.1',
): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: address, port, servername, rejectUnauthorized: false }, () => {
      const cert = s.getPeerCertificate();
      s.end();
      resolve(cert);
    });
    s.on('error', reject);
  });
}
