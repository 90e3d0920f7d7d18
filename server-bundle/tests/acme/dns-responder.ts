// A tiny authoritative DNS responder on loopback UDP for pebble's -dnsserver: A/AAAA answers for the
// test names, NXDOMAIN for anything else, an empty NOERROR for other types of a known name (CAA...).
import { createSocket, type Socket } from 'node:dgram';
import dnsPacket from 'dns-packet';

export interface DnsRecords {
  [name: string]: { a?: string[]; aaaa?: string[] };
}

export interface DnsResponder {
  port: number;
  /** Questions asked, "TYPE name" (tests check pebble really asked us). */
  queries: string[];
  stop(): Promise<void>;
}

export async function startDnsResponder(records: DnsRecords, host = '127.0.0.1'): Promise<DnsResponder> {
  const socket: Socket = createSocket('udp4');
  const queries: string[] = [];
  socket.on('message', (msg, rinfo) => {
    let query: dnsPacket.Packet;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      return; // not DNS: ignore
    }
    const q = query.questions?.[0];
    if (!q) return;
    const name = q.name.toLowerCase().replace(/\.$/, '');
    queries.push(`${q.type} ${name}`);
    const rec = records[name];
    const answers: dnsPacket.Answer[] = [];
    if (rec && q.type === 'A')
      for (const data of rec.a ?? []) answers.push({ type: 'A', name: q.name, ttl: 5, class: 'IN', data });
    if (rec && q.type === 'AAAA')
      for (const data of rec.aaaa ?? [])
        answers.push({ type: 'AAAA', name: q.name, ttl: 5, class: 'IN', data });
    const reply = dnsPacket.encode({
      id: query.id,
      type: 'response',
      flags: dnsPacket.AUTHORITATIVE_ANSWER | (rec ? 0 : 3), // rcode 3 = NXDOMAIN
      questions: [q],
      answers,
    });
    socket.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, host, () => resolve());
  });
  return {
    port: socket.address().port,
    queries,
    stop: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
