/**
 * Sends DNS messages to one server: queries over UDP (TCP when the answer is truncated) and raw
 * exchanges over TCP for updates. Bounded in time; errors in plain words.
 */
import { randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { isIP, Socket } from 'node:net';
import { FacteurError } from '../../../shared/errors';
import { decodeMessage, encodeQuery, type DecodedMessage, type QueryType } from './dns-wire';
import { normalizeName } from './names';

export interface DnsEndpoint {
  address: string;
  port: number;
}

export interface DnsClientOptions {
  timeoutMs: number;
  /** UDP attempts before giving up on a server. */
  tries: number;
}

export function endpointLabel(e: DnsEndpoint): string {
  return isIP(e.address) === 6 ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}

/** "127.0.0.1", "127.0.0.1:5353", "[::1]:53", "::1" -> endpoint. */
export function parseEndpoint(text: string, defaultPort = 53): DnsEndpoint {
  const t = text.trim();
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(t);
  if (v6) return { address: v6[1]!, port: v6[2] ? Number(v6[2]) : defaultPort };
  if (isIP(t) === 6) return { address: t, port: defaultPort };
  const [address = '', port] = t.split(':');
  return { address, port: port ? Number(port) : defaultPort };
}

function unreachable(e: DnsEndpoint, err: Error): FacteurError {
  return new FacteurError(
    'UNREACHABLE',
    `The DNS server ${endpointLabel(e)} could not be reached: ${err.message}`,
    {
      host: endpointLabel(e),
    },
  );
}

function timeout(e: DnsEndpoint): FacteurError {
  return new FacteurError('TIMEOUT', `The DNS server ${endpointLabel(e)} did not answer in time.`, {
    host: endpointLabel(e),
  });
}

export class DnsClient {
  constructor(private readonly options: DnsClientOptions) {}

  /** One question; follows TC to TCP. The answer is checked to match the question. */
  async query(
    server: DnsEndpoint,
    name: string,
    type: QueryType,
    opts: { recursionDesired?: boolean } = {},
  ): Promise<DecodedMessage> {
    const id = randomInt(0, 0x10000);
    const message = encodeQuery(id, name, type, opts.recursionDesired ?? true);
    let raw: Buffer | undefined;
    let lastError: Error | undefined;
    for (let attempt = 0; attempt < Math.max(1, this.options.tries) && !raw; attempt++) {
      try {
        raw = await this.udp(server, message, id);
      } catch (err) {
        lastError = err as Error;
        if (err instanceof FacteurError && err.code !== 'TIMEOUT') throw err;
      }
    }
    if (!raw) throw lastError ?? timeout(server);
    let answer = decodeMessage(raw);
    if (answer.truncated) answer = decodeMessage(await this.tcp(server, message));
    const q = answer.questions[0];
    if (answer.id !== id || (q && (q.name !== normalizeName(name) || q.type !== type)))
      throw new FacteurError(
        'COMMAND_FAILED',
        `The DNS server ${endpointLabel(server)} answered another question.`,
      );
    return answer;
  }

  /** A raw exchange over TCP (updates: no size limit, no spoofed replies). */
  exchange(server: DnsEndpoint, message: Buffer): Promise<Buffer> {
    return this.tcp(server, message);
  }

  private udp(server: DnsEndpoint, message: Buffer, id: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const socket = createSocket(isIP(server.address) === 6 ? 'udp6' : 'udp4');
      let finished = false;
      const done = (err: Error | undefined, value?: Buffer) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        socket.close();
        if (err) reject(err);
        else resolve(value!);
      };
      const timer = setTimeout(() => done(timeout(server)), this.options.timeoutMs);
      socket.on('error', (err) => done(unreachable(server, err)));
      socket.on('message', (msg, rinfo) => {
        // Only the server asked, with the id asked: anything else is ignored.
        if (rinfo.port !== server.port || msg.length < 12 || msg.readUInt16BE(0) !== id) return;
        done(undefined, msg);
      });
      socket.connect(server.port, server.address, () => socket.send(message));
    });
  }

  private tcp(server: DnsEndpoint, message: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const socket = new Socket();
      let received = Buffer.alloc(0);
      const done = (err: Error | undefined, value?: Buffer) => {
        clearTimeout(timer);
        socket.destroy();
        if (err) reject(err);
        else resolve(value!);
      };
      const timer = setTimeout(() => done(timeout(server)), this.options.timeoutMs);
      socket.on('error', (err) => done(unreachable(server, err)));
      socket.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        if (received.length >= 2 && received.length >= 2 + received.readUInt16BE(0))
          done(undefined, received.subarray(2, 2 + received.readUInt16BE(0)));
      });
      socket.on('end', () => done(unreachable(server, new Error('connection closed before the answer'))));
      socket.connect(server.port, server.address, () => {
        const length = Buffer.alloc(2);
        length.writeUInt16BE(message.length, 0);
        socket.write(Buffer.concat([length, message]));
      });
    });
  }
}
