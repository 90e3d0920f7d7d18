/**
 * A certificate authority for a test VPS: Let's Encrypt's test CA (Debian's `pebble`) on the VPS's
 * host side (10.231.N.1), which the server's jobs role reaches like any ACME directory, and a tiny
 * authoritative DNS responder on loopback that tells pebble every test name lives at the VPS
 * (10.231.N.2): pebble then validates HTTP-01 against the VPS's port 80 for real.
 * Everything is stopped by the handle (pebble by its PID).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dnsPacket from 'dns-packet';

export interface AcmeBed {
  directoryUrl: string;
  /** PEM of the certificate pebble's API presents: the server must trust it (acme.caCertFile). */
  apiCaPem: string;
  /** PEM of the root that signs issued certificates (clients trust it to verify the server). */
  rootPem: string;
  /** DNS questions pebble asked ("A name"). */
  queries: string[];
  stop(): Promise<void>;
}

/** Answers A queries for `names` with `address`, NXDOMAIN for anything else. */
async function startDnsResponder(names: string[], address: string) {
  const known = new Set(names.map((n) => n.toLowerCase()));
  const queries: string[] = [];
  const socket = createSocket('udp4');
  socket.on('message', (msg, rinfo) => {
    let query: dnsPacket.Packet;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      return;
    }
    const q = query.questions?.[0];
    if (!q) return;
    const name = q.name.toLowerCase().replace(/\.$/, '');
    queries.push(`${q.type} ${name}`);
    const found = known.has(name);
    const answers: dnsPacket.Answer[] =
      found && q.type === 'A' ? [{ type: 'A', name: q.name, ttl: 5, class: 'IN', data: address }] : [];
    const reply = dnsPacket.encode({
      id: query.id,
      type: 'response',
      flags: dnsPacket.AUTHORITATIVE_ANSWER | (found ? 0 : 3), // rcode 3 = NXDOMAIN
      questions: [q],
      answers,
    });
    socket.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => resolve());
  });
  return {
    port: socket.address().port,
    queries,
    stop: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

function httpsGet(url: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request(url, { ca }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
    })
      .on('error', reject)
      .end();
  });
}

export async function startAcmeBed(opts: {
  /** The VPS's host-side address (pebble listens there) and the VPS's own address (names resolve to it). */
  hostSide: string;
  vpsAddress: string;
  names: string[];
}): Promise<AcmeBed> {
  const dir = mkdtempSync(join(tmpdir(), 'facteur-acme-bed-'));
  const dns = await startDnsResponder(opts.names, opts.vpsAddress);
  // pebble's own HTTPS certificate names the address the server connects to.
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=pebble test API',
      '-addext',
      `subjectAltName=IP:${opts.hostSide}`,
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  const apiCaPem = readFileSync(join(dir, 'cert.pem'), 'utf8');
  writeFileSync(
    join(dir, 'pebble.json'),
    JSON.stringify({
      pebble: {
        listenAddress: `${opts.hostSide}:14000`,
        managementListenAddress: `${opts.hostSide}:15000`,
        certificate: join(dir, 'cert.pem'),
        privateKey: join(dir, 'key.pem'),
        httpPort: 80,
        tlsPort: 5001,
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
      },
    }),
  );
  const child: ChildProcess = spawn(
    'pebble',
    ['-config', join(dir, 'pebble.json'), '-dnsserver', `127.0.0.1:${dns.port}`],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0' },
    },
  );
  let log = '';
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      process.kill(child.pid!, 'SIGTERM');
      await exited;
    }
    await dns.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`pebble did not start in 15 s:\n${log}`)), 15_000);
      const onData = (d: Buffer) => {
        log += d.toString();
        if (log.includes('ACME directory available')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('error', (err) => reject(new Error(`pebble did not start: ${err.message}`)));
      child.once('exit', (code) => reject(new Error(`pebble exited (${code}):\n${log}`)));
    });
    const rootPem = await httpsGet(`https://${opts.hostSide}:15000/roots/0`, apiCaPem);
    return {
      directoryUrl: `https://${opts.hostSide}:14000/dir`,
      apiCaPem,
      rootPem,
      queries: dns.queries,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
