/**
 * The only module that imports ssh2. One SshConnection carries everything for a server:
 * exec, and stream forwarding (used by the Docker client and, later, the control API tunnel).
 */
import { Client, utils, type ClientChannel, type ConnectConfig } from 'ssh2';
import type { Duplex } from 'node:stream';
import { FacteurError } from '../../../shared/errors';
import { algorithmOf, fingerprintOf } from './fingerprint';

export interface SshTarget {
  host: string;
  port: number;
  user: string;
}

export type SshCredentials = { privateKey: string; passphrase?: string } | { password: string };

export interface SshTimeouts {
  /** TCP connect + handshake + auth must finish within this. */
  readyMs: number;
  keepaliveMs: number;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface HostKey {
  algorithm: string;
  fingerprint: string;
}

/** A running command's channel: stdin/stdout as a stream, `.stderr`, 'exit' with the code. */
export type ExecChannel = ClientChannel;

export class SshConnection {
  constructor(
    private readonly client: Client,
    readonly hostKey: HostKey,
    private readonly target: SshTarget,
  ) {}

  exec(command: string, options: { stdin?: string; timeoutMs?: number } = {}): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      this.client.exec(command, (err, stream) => {
        if (err)
          return reject(
            new FacteurError(
              'COMMAND_FAILED',
              `Could not run a command on ${this.target.host}: ${err.message}`,
            ),
          );
        const out: Buffer[] = [];
        const errOut: Buffer[] = [];
        let timer: NodeJS.Timeout | undefined;
        if (options.timeoutMs) {
          timer = setTimeout(() => {
            stream.close();
            reject(new FacteurError('TIMEOUT', `A command on ${this.target.host} did not finish in time.`));
          }, options.timeoutMs);
        }
        stream.on('data', (d: Buffer) => out.push(d));
        stream.stderr.on('data', (d: Buffer) => errOut.push(d));
        stream.on('close', (code: number | null) => {
          if (timer) clearTimeout(timer);
          resolve({
            code: code ?? -1,
            stdout: Buffer.concat(out).toString('utf8'),
            stderr: Buffer.concat(errOut).toString('utf8'),
          });
        });
        if (options.stdin !== undefined) stream.end(options.stdin);
      });
    });
  }

  /**
   * Starts a command and hands back its channel: write its stdin as a stream (uploads), read
   * stdout from it and stderr from `.stderr`; 'exit' gives the exit code.
   */
  openExec(command: string): Promise<ExecChannel> {
    return new Promise((resolve, reject) => {
      this.client.exec(command, (err, stream) =>
        err
          ? reject(
              new FacteurError(
                'COMMAND_FAILED',
                `Could not run a command on ${this.target.host}: ${err.message}`,
              ),
            )
          : resolve(stream),
      );
    });
  }

  /** Calls `listener` once when the connection ends, for whatever reason. */
  onClose(listener: () => void): void {
    this.client.once('close', listener);
  }

  /** Opens a stream to a Unix socket on the server (e.g. the Docker API socket). */
  openUnixSocket(path: string): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      this.client.openssh_forwardOutStreamLocal(path, (err, channel: ClientChannel) =>
        err
          ? reject(
              new FacteurError(
                'COMMAND_FAILED',
                `The server refused a connection to ${path}: ${err.message}`,
              ),
            )
          : resolve(channel),
      );
    });
  }

  /** Opens a TCP stream to an address as seen from the server (e.g. 127.0.0.1:control-port). */
  openTcp(host: string, port: number): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      this.client.forwardOut('127.0.0.1', 0, host, port, (err, channel) =>
        err
          ? reject(
              new FacteurError(
                'COMMAND_FAILED',
                `The server refused a tunnel to ${host}:${port}: ${err.message}`,
              ),
            )
          : resolve(channel),
      );
    });
  }

  close(): void {
    this.client.end();
  }
}

/** How to treat the server's host key during the handshake. */
export type HostKeyPolicy = { kind: 'expect'; fingerprint: string } | { kind: 'capture' }; // record the key and abort before authenticating

export function validatePrivateKey(privateKey: string, passphrase?: string): void {
  const parsed = utils.parseKey(privateKey, passphrase);
  if (parsed instanceof Error) {
    const needsPass = /passphrase/i.test(parsed.message);
    throw new FacteurError(
      'KEY_INVALID',
      needsPass
        ? 'This private key is protected by a passphrase: enter it too.'
        : `This is not a private key Facteur can use (${parsed.message}).`,
    );
  }
}

export function generateEd25519KeyPair(comment: string): { privateKey: string; publicKey: string } {
  const pair = utils.generateKeyPairSync('ed25519', { comment });
  return { privateKey: pair.private, publicKey: pair.public };
}

/** Connects to a server and reads its host key without authenticating (nothing secret is sent). */
export async function scanHostKey(
  target: Pick<SshTarget, 'host' | 'port'>,
  timeouts: SshTimeouts,
): Promise<HostKey> {
  let seen: HostKey | undefined;
  try {
    const conn = await open({ ...target, user: 'facteur-scan' }, { password: 'x' }, timeouts, (key) => {
      seen = key;
      return false;
    });
    conn.close();
  } catch (err) {
    if (seen) return seen;
    throw err;
  }
  if (!seen) throw new FacteurError('INTERNAL', 'The server did not present a host key.');
  return seen;
}

export function connectSsh(
  target: SshTarget,
  credentials: SshCredentials,
  policy: { fingerprint: string },
  timeouts: SshTimeouts,
): Promise<SshConnection> {
  return open(
    target,
    credentials,
    timeouts,
    (key) => key.fingerprint === policy.fingerprint,
    policy.fingerprint,
  );
}

function open(
  target: SshTarget,
  credentials: SshCredentials,
  timeouts: SshTimeouts,
  verify: (key: HostKey) => boolean,
  expectedFingerprint?: string,
): Promise<SshConnection> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    let hostKey: HostKey | undefined;
    let settled = false;
    const fail = (err: FacteurError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.end();
      client.destroy();
      reject(err);
    };
    const timer = setTimeout(
      () =>
        fail(
          new FacteurError('UNREACHABLE', unreachableMessage(target, 'it did not answer in time'), {
            host: target.host,
          }),
        ),
      timeouts.readyMs,
    );
    const config: ConnectConfig = {
      host: target.host,
      port: target.port,
      username: target.user,
      readyTimeout: timeouts.readyMs,
      keepaliveInterval: timeouts.keepaliveMs,
      tryKeyboard: false,
      hostVerifier: (raw: Buffer) => {
        hostKey = { algorithm: algorithmOf(raw), fingerprint: fingerprintOf(raw) };
        return verify(hostKey);
      },
      ...('password' in credentials
        ? { password: credentials.password }
        : { privateKey: credentials.privateKey, passphrase: credentials.passphrase }),
    };
    client.on('ready', () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(new SshConnection(client, hostKey!, target));
    });
    client.on('error', (err: Error & { level?: string; code?: string }) => {
      if (err.level === 'client-authentication') {
        fail(
          new FacteurError(
            'AUTH_FAILED',
            `${target.host} refused to let "${target.user}" log in with this ${'password' in credentials ? 'password' : 'key'}.`,
            { host: target.host, user: target.user },
          ),
        );
      } else if (hostKey && expectedFingerprint && hostKey.fingerprint !== expectedFingerprint) {
        fail(
          new FacteurError(
            'HOST_KEY_CHANGED',
            `The identity of ${target.host} has changed: Facteur expected ${expectedFingerprint} but the server presented ${hostKey.fingerprint}. ` +
              'Someone may be intercepting the connection, or the server was reinstalled. Nothing was sent.',
            { host: target.host, expected: expectedFingerprint, actual: hostKey.fingerprint },
          ),
        );
      } else if (err.level === 'client-timeout') {
        fail(
          new FacteurError('UNREACHABLE', unreachableMessage(target, 'it did not answer in time'), {
            host: target.host,
          }),
        );
      } else {
        fail(
          new FacteurError('UNREACHABLE', unreachableMessage(target, socketReason(err)), {
            host: target.host,
          }),
        );
      }
    });
    try {
      client.connect(config);
    } catch (err) {
      fail(new FacteurError('KEY_INVALID', `Could not use these credentials: ${(err as Error).message}`));
    }
  });
}

function unreachableMessage(target: Pick<SshTarget, 'host' | 'port'>, reason: string): string {
  return `Facteur could not reach ${target.host} on port ${target.port}: ${reason}. Check the address, the port and that the server is on.`;
}

function socketReason(err: Error & { code?: string }): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'nothing is listening there (connection refused)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'this name does not resolve to an address';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'no route to that address';
    case 'ETIMEDOUT':
      return 'it did not answer in time';
    case 'ECONNRESET':
      return 'the connection was cut';
    default:
      return err.message;
  }
}
