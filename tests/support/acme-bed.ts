/**
 * A certificate authority for a test VPS: Let's Encrypt's test CA (pebble-vps.ts) on the VPS's
 * host side (10.231.N.1), which the server's jobs role reaches like any ACME directory, and a tiny
 * authoritative DNS responder on loopback that tells pebble every test name lives at the VPS
 * (10.231.N.2): pebble then validates HTTP-01 against the VPS's port 80 for real.
 * Everything is stopped by the handle (pebble by its PID).
 */
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import dnsPacket from 'dns-packet';
import { startPebbleForVps } from './pebble-vps';

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

export async function startAcmeBed(opts: {
  /** The VPS's host-side address (pebble listens there) and the VPS's own address (names resolve to it). */
  hostSide: string;
  vpsAddress: string;
  names: string[];
}): Promise<AcmeBed> {
  const dns = await startDnsResponder(opts.names, opts.vpsAddress);
  try {
    const pebble = await startPebbleForVps({ address: opts.hostSide, dnsServer: `127.0.0.1:${dns.port}` });
    return {
      directoryUrl: pebble.directoryUrl,
      apiCaPem: readFileSync(pebble.apiCaFile, 'utf8'),
      rootPem: await pebble.rootPem(),
      queries: dns.queries,
      async stop() {
        await pebble.stop();
        await dns.stop();
      },
    };
  } catch (err) {
    await dns.stop();
    throw err;
  }
}
