// `facteur-server health ROLE...`: does each role answer its protocol? Docker runs this as the
// healthcheck of every role container, and the desktop's deployer runs it through `docker exec`
// while it waits for a fresh stack. It speaks just enough of each protocol to see the server's
// answer — over TLS where the role offers implicit TLS, so a broken certificate turns the role
// unhealthy too — and never logs in. Node built-ins and the config file only: it starts in tens of
// milliseconds and the image bundles it apart from the roles (facteur-probe.mjs).
//
// `facteur-server redis-config` prints the redis role's redis.conf (password from the secrets file,
// loopback only); the image's entrypoint hands it to redis-server through a file on its tmpfs.
import { readFile } from 'node:fs/promises';
import { connect as netConnect, type Socket } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { portOf, type ServerConfig } from './server-config.ts';

/** What a probe concludes from the bytes received so far: a proof line, a failure, or "wait". */
type Verdict = { ok: string } | { fail: string } | undefined;

export interface Probe {
  host: string;
  port: number;
  tls: boolean;
  /** Sent once connected (none: wait for the server to speak first). */
  send?: string;
  judge(received: string): Verdict;
  /** Sent after success so the role does not log a dropped client. */
  goodbye?: string;
}

/** Where a probe on the server itself connects: a wildcard listen address means loopback. */
export function probeHost(config: ServerConfig): string {
  const first = config.listen[0] ?? '::';
  return first === '::' || first === '0.0.0.0' || first === '' ? '127.0.0.1' : first;
}

export function redisEndpoint(config: ServerConfig): { host: string; port: number } {
  const url = new URL(config.redis.url);
  return { host: url.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1', port: Number(url.port || 6379) };
}

export async function readRedisPassword(config: ServerConfig): Promise<string> {
  const path = join(config.dataDir, 'secrets.json');
  const secrets = JSON.parse(await readFile(path, 'utf8')) as { redisPassword?: unknown };
  if (typeof secrets.redisPassword !== 'string' || !/^[0-9a-f]{32,}$/.test(secrets.redisPassword)) {
    throw new Error(`${path} holds no redisPassword (hex, at least 128 bits): Redis never runs without one`);
  }
  return secrets.redisPassword;
}

/** The first complete line that is not an SMTP continuation ("220-..."). */
function firstLine(received: string): string | undefined {
  for (const line of received.split('\r\n').slice(0, -1)) if (!/^\d{3}-/.test(line)) return line;
  return undefined;
}

function greeting(pattern: RegExp, goodbye: string): Pick<Probe, 'judge' | 'goodbye'> {
  return {
    judge: (received) => {
      const line = firstLine(received);
      if (line === undefined) return undefined;
      return pattern.test(line)
        ? { ok: line }
        : { fail: `unexpected greeting ${JSON.stringify(line.slice(0, 80))}` };
    },
    goodbye,
  };
}

const resp = (...args: string[]): string =>
  `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;

/** Splits RESP replies (simple, error, integer, bulk) once all `count` have arrived. */
function respReplies(received: string, count: number): Array<string | null | Error> | undefined {
  const out: Array<string | null | Error> = [];
  let at = 0;
  while (out.length < count) {
    const eol = received.indexOf('\r\n', at);
    if (eol < 0) return undefined;
    const head = received.slice(at, eol);
    at = eol + 2;
    if (head[0] === '$') {
      const len = Number(head.slice(1));
      if (len < 0) {
        out.push(null);
        continue;
      }
      if (Buffer.byteLength(received.slice(at)) < len + 2) return undefined;
      out.push(received.slice(at, at + len)); // ASCII payloads (JSON heartbeats) only
      at += len + 2;
    } else if (head[0] === '-') out.push(new Error(head.slice(1)));
    else out.push(head.slice(1));
  }
  return out;
}

/** The probes of a role, in the order they run; every one must pass. */
export async function probesOf(config: ServerConfig, role: string): Promise<Probe[]> {
  const host = probeHost(config);
  const smtp = greeting(/^220 /, 'QUIT\r\n');
  const imap = greeting(/^\* OK/, 'A1 LOGOUT\r\n');
  const pop3 = greeting(/^\+OK/, 'QUIT\r\n');
  const http = (port: number, tls: boolean): Probe => ({
    host: role === 'control' || role === 'dav' ? '127.0.0.1' : host,
    port,
    tls,
    send: `GET ${role === 'control' ? '/v1/version' : '/'} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`,
    // Any HTTP answer proves the server runs (the control API answers 401 without a token).
    judge: (received) => {
      const line = received.split('\r\n', 1)[0]!;
      if (!received.includes('\r\n')) return undefined;
      return /^HTTP\/1\.[01] [1-5]\d\d /.test(line)
        ? { ok: line }
        : { fail: `not HTTP: ${JSON.stringify(line.slice(0, 80))}` };
    },
  });
  switch (role) {
    case 'mx':
      return [{ host, port: portOf(config, 'mx'), tls: false, ...smtp }];
    case 'submission':
      return [
        { host, port: portOf(config, 'submissions'), tls: true, ...smtp },
        { host, port: portOf(config, 'submission'), tls: false, ...smtp },
      ];
    case 'imap':
      return [
        { host, port: portOf(config, 'imaps'), tls: true, ...imap },
        { host, port: portOf(config, 'imap'), tls: false, ...imap },
      ];
    case 'pop3':
      return [
        { host, port: portOf(config, 'pop3s'), tls: true, ...pop3 },
        { host, port: portOf(config, 'pop3'), tls: false, ...pop3 },
      ];
    case 'control':
      return [http(portOf(config, 'control'), false)];
    case 'web':
      return [http(portOf(config, 'http'), false), http(portOf(config, 'https'), true)];
    case 'dav':
      return [http(portOf(config, 'dav'), false)];
    case 'redis': {
      const { host: rhost, port } = redisEndpoint(config);
      const pass = await readRedisPassword(config);
      return [
        {
          host: rhost,
          port,
          tls: false,
          // The answer to PING after AUTH proves the password works too.
          send: resp('AUTH', pass) + resp('PING'),
          judge: (received) => {
            const r = respReplies(received, 2);
            if (!r) return undefined;
            if (r[0] instanceof Error) return { fail: `AUTH refused: ${r[0].message}` };
            return r[1] === 'PONG' ? { ok: 'PONG' } : { fail: `PING answered ${String(r[1])}` };
          },
        },
      ];
    }
    case 'jobs':
    case 'outbound': {
      // No listener: the role is alive when its heartbeat in Redis is fresh (metrics/heartbeat.ts
      // writes roles:<role>:heartbeat under the key prefix every heartbeatMs).
      const { host: rhost, port } = redisEndpoint(config);
      const pass = await readRedisPassword(config);
      const key = `${config.redis.keyPrefix}roles:${role}:heartbeat`;
      const maxAgeMs = 3 * config.heartbeatMs;
      return [
        {
          host: rhost,
          port,
          tls: false,
          send: resp('AUTH', pass) + resp('GET', key),
          judge: (received) => {
            const r = respReplies(received, 2);
            if (!r) return undefined;
            if (r[0] instanceof Error) return { fail: `Redis AUTH refused: ${r[0].message}` };
            if (typeof r[1] !== 'string') return { fail: `no heartbeat of ${role} in Redis yet` };
            const beat = JSON.parse(r[1]) as { at?: number; state?: string };
            const age = Date.now() - (beat.at ?? 0);
            if (beat.state !== 'running') return { fail: `${role} said it stopped` };
            return age <= maxAgeMs
              ? { ok: `heartbeat ${age} ms ago` }
              : { fail: `last heartbeat ${age} ms ago` };
          },
        },
      ];
    }
    default:
      throw new Error(`no health check for role "${role}"`);
  }
}

/** Runs one probe; resolves with the line that proved the role alive. */
export function runProbe(p: Probe, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const where = `${p.host}:${p.port}${p.tls ? ' (TLS)' : ''}`;
    let received = '';
    let done = false;
    const onConnect = (): void => {
      if (p.send) socket.write(p.send);
    };
    const socket: Socket = p.tls
      ? tlsConnect({ host: p.host, port: p.port, rejectUnauthorized: false }, onConnect)
      : netConnect({ host: p.host, port: p.port }, onConnect);
    const finish = (verdict: { ok: string } | { fail: string }): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if ('ok' in verdict) {
        if (p.goodbye) socket.end(p.goodbye);
        socket.destroySoon();
        resolve(verdict.ok);
      } else {
        socket.destroy();
        reject(new Error(`${where}: ${verdict.fail}`));
      }
    };
    const timer = setTimeout(() => finish({ fail: `no answer within ${timeoutMs} ms` }), timeoutMs);
    socket.setEncoding('utf8');
    socket.on('error', (err) => finish({ fail: err.message }));
    socket.on('close', () => finish({ fail: `closed after ${JSON.stringify(received.slice(0, 80))}` }));
    socket.on('data', (chunk: string) => {
      received += chunk;
      try {
        const verdict = p.judge(received);
        if (verdict) finish(verdict);
      } catch (err) {
        finish({ fail: (err as Error).message });
      }
    });
  });
}

export async function checkHealth(
  config: ServerConfig,
  roles: readonly string[],
  timeoutMs = 5000,
): Promise<string[]> {
  const lines: string[] = [];
  for (const role of roles) {
    for (const probe of await probesOf(config, role)) {
      lines.push(
        `${role} ${probe.host}:${probe.port}${probe.tls ? ' tls' : ''}: ${await runProbe(probe, timeoutMs)}`,
      );
    }
  }
  return lines;
}

/** redis.conf for the redis role: loopback only, password required, data under the data directory. */
export async function redisConfig(config: ServerConfig): Promise<string> {
  const { host, port } = redisEndpoint(config);
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') {
    throw new Error(`the redis role listens on loopback only; redis.url points at ${host}`);
  }
  const pass = await readRedisPassword(config);
  return [
    '# Generated by facteur-server redis-config at each start, from the config and secrets files.',
    'bind 127.0.0.1 -::1',
    'protected-mode yes',
    `port ${port}`,
    `requirepass ${pass}`,
    `dir ${join(config.dataDir, 'redis')}`,
    'dbfilename dump.rdb',
    // Throttle counters, heartbeats and metrics counters are worth keeping across a restart; no mail here.
    'save 900 1 300 100',
    'appendonly no',
    'daemonize no',
    'supervised no',
    'logfile ""',
    'loglevel notice',
    'maxmemory 96mb',
    'maxmemory-policy volatile-ttl',
    'rename-command CONFIG ""',
    'rename-command FLUSHALL ""',
    'rename-command FLUSHDB ""',
    'rename-command REPLICAOF ""',
    'rename-command SLAVEOF ""',
    'rename-command DEBUG ""',
    '',
  ].join('\n');
}
