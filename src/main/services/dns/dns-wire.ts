/**
 * DNS messages on the wire. The only importer of dns-packet: queries and their answers go through
 * it, and it encodes each record's data. UPDATE messages (RFC 2136) are framed here by hand,
 * because dns-packet knows neither the NONE class nor an empty RDATA, which deletions need.
 */
import dnsPacket from 'dns-packet';
import type { RData } from './rdata';
import { normalizeName } from './names';

export type QueryType = RData['type'] | 'SOA';

export interface WireRecord {
  name: string;
  type: string;
  ttl: number;
  /** Known types decoded; undefined for the others (SOA, TSIG, DNSSEC records...). */
  data?: RData;
}

export interface DecodedMessage {
  id: number;
  response: boolean;
  opcode: string;
  rcode: string;
  authoritative: boolean;
  truncated: boolean;
  questions: { name: string; type: string }[];
  answers: WireRecord[];
  authorities: WireRecord[];
  additionals: WireRecord[];
}

const RCODE_NAMES = [
  'NOERROR',
  'FORMERR',
  'SERVFAIL',
  'NXDOMAIN',
  'NOTIMP',
  'REFUSED',
  'YXDOMAIN',
  'YXRRSET',
  'NXRRSET',
  'NOTAUTH',
  'NOTZONE',
];

export function rcodeName(code: number): string {
  return RCODE_NAMES[code] ?? `RCODE${code}`;
}

/** A query with EDNS(0), so answers up to 1232 bytes come over UDP (larger ones set TC). */
export function encodeQuery(id: number, name: string, type: QueryType, recursionDesired: boolean): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id,
    flags: recursionDesired ? dnsPacket.RECURSION_DESIRED : 0,
    questions: [{ type, name: normalizeName(name) || '.', class: 'IN' }],
    additionals: [
      {
        type: 'OPT',
        name: '.',
        udpPayloadSize: 1232,
        extendedRcode: 0,
        ednsVersion: 0,
        flags: 0,
        flag_do: false,
        options: [],
      },
    ],
  });
}

function toRData(type: string, data: unknown): RData | undefined {
  switch (type) {
    case 'A':
    case 'AAAA':
      return { type, address: data as string };
    case 'CNAME':
    case 'PTR':
    case 'NS':
      return { type, target: normalizeName(data as string) };
    case 'MX': {
      const d = data as { preference: number; exchange: string };
      return { type, preference: d.preference, exchange: normalizeName(d.exchange) };
    }
    case 'TXT': {
      const chunks = (data as Buffer[]).map((b) => b.toString('utf8'));
      return { type, text: chunks.join(''), chunks };
    }
    case 'SRV': {
      const d = data as { priority: number; weight: number; port: number; target: string };
      return { type, priority: d.priority, weight: d.weight, port: d.port, target: normalizeName(d.target) };
    }
    case 'CAA': {
      const d = data as { flags: number; tag: string; value: string };
      return { type, flags: d.flags, tag: d.tag, value: d.value };
    }
    case 'TLSA': {
      const d = data as { usage: number; selector: number; matchingType: number; certificate: Buffer };
      return {
        type,
        usage: d.usage,
        selector: d.selector,
        matchingType: d.matchingType,
        data: d.certificate.toString('hex'),
      };
    }
    default:
      return undefined;
  }
}

function records(list: dnsPacket.Answer[] | undefined): WireRecord[] {
  return (list ?? [])
    .filter((a) => a.type !== 'OPT')
    .map((a) => {
      const r = a as { name: string; type: string; ttl?: number; data?: unknown };
      return { name: normalizeName(r.name), type: r.type, ttl: r.ttl ?? 0, data: toRData(r.type, r.data) };
    });
}

export function decodeMessage(buf: Buffer): DecodedMessage {
  const p = dnsPacket.decode(buf);
  const flags = buf.readUInt16BE(2);
  return {
    id: p.id ?? 0,
    response: p.type === 'response',
    opcode: (p as unknown as { opcode: string }).opcode,
    // The low four bits; an extended rcode would be in OPT, which Facteur does not need.
    rcode: rcodeName(flags & 0xf),
    authoritative: p.flag_aa,
    truncated: p.flag_tc,
    questions: (p.questions ?? []).map((q) => ({ name: normalizeName(q.name), type: q.type })),
    answers: records(p.answers),
    authorities: records(p.authorities),
    additionals: records(p.additionals),
  };
}

/** The record data bytes (no length prefix), encoded by dns-packet. */
export function encodeRdata(d: RData): Buffer {
  let answer: dnsPacket.Answer;
  switch (d.type) {
    case 'A':
    case 'AAAA':
      answer = { type: d.type, name: '.', data: d.address };
      break;
    case 'CNAME':
    case 'PTR':
    case 'NS':
      answer = { type: d.type, name: '.', data: normalizeName(d.target) };
      break;
    case 'MX':
      answer = {
        type: 'MX',
        name: '.',
        data: { preference: d.preference, exchange: normalizeName(d.exchange) },
      };
      break;
    case 'TXT': {
      const bytes = Buffer.from(d.text, 'utf8');
      const chunks: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += 255) chunks.push(bytes.subarray(i, i + 255));
      answer = { type: 'TXT', name: '.', data: chunks.length ? chunks : [Buffer.alloc(0)] };
      break;
    }
    case 'SRV':
      answer = {
        type: 'SRV',
        name: '.',
        data: { priority: d.priority, weight: d.weight, port: d.port, target: normalizeName(d.target) },
      };
      break;
    case 'CAA':
      answer = { type: 'CAA', name: '.', data: { flags: d.flags, tag: d.tag as 'issue', value: d.value } };
      break;
    case 'TLSA':
      answer = {
        type: 'TLSA',
        name: '.',
        data: {
          usage: d.usage,
          selector: d.selector,
          matchingType: d.matchingType,
          certificate: Buffer.from(d.data, 'hex'),
        },
      };
      break;
  }
  const wire = dnsPacket.encode({ type: 'query', id: 0, answers: [answer] });
  // header (12) + root name (1) + type, class, ttl (8) + rdlength (2)
  const length = wire.readUInt16BE(21);
  return wire.subarray(23, 23 + length);
}

// ------------------------------------------------------------------------------------------------
// Names and UPDATE messages, by hand.

const TYPE_CODES: Record<QueryType, number> = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  TLSA: 52,
  CAA: 257,
};
export const CLASS_IN = 1;
export const CLASS_NONE = 254;
export const CLASS_ANY = 255;

/** Uncompressed, lower-case wire form (also the canonical form TSIG signs). */
export function encodeName(name: string): Buffer {
  const n = normalizeName(name);
  if (n === '') return Buffer.from([0]);
  const parts: Buffer[] = [];
  for (const label of n.split('.')) {
    const bytes = Buffer.from(label, 'utf8');
    if (bytes.length === 0 || bytes.length > 63) throw new Error(`invalid DNS name ${name}`);
    parts.push(Buffer.from([bytes.length]), bytes);
  }
  parts.push(Buffer.from([0]));
  const out = Buffer.concat(parts);
  if (out.length > 255) throw new Error(`DNS name too long: ${name}`);
  return out;
}

/** The name at `offset` (following compression pointers) and the offset just past it. */
export function readName(buf: Buffer, offset: number): { name: string; next: number } {
  const labels: string[] = [];
  let o = offset;
  let next: number | undefined;
  for (let hops = 0; hops < 128; hops++) {
    const len = buf[o];
    if (len === undefined) throw new Error('truncated DNS name');
    if (len === 0) return { name: labels.join('.').toLowerCase(), next: next ?? o + 1 };
    if ((len & 0xc0) === 0xc0) {
      if (o + 1 >= buf.length) throw new Error('truncated DNS name');
      next ??= o + 2;
      o = buf.readUInt16BE(o) & 0x3fff;
      continue;
    }
    if (o + 1 + len > buf.length) throw new Error('truncated DNS name');
    labels.push(buf.toString('latin1', o + 1, o + 1 + len));
    o += len + 1;
  }
  throw new Error('DNS name with a pointer loop');
}

export type UpdateOp =
  | { op: 'add'; name: string; ttl: number; data: RData }
  | { op: 'delete'; name: string; data: RData }
  | { op: 'deleteRRset'; name: string; type: RData['type'] };

function rr(name: string, type: number, klass: number, ttl: number, rdata: Buffer): Buffer {
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(type, 0);
  fixed.writeUInt16BE(klass, 2);
  fixed.writeUInt32BE(ttl, 4);
  fixed.writeUInt16BE(rdata.length, 8);
  return Buffer.concat([encodeName(name), fixed, rdata]);
}

/** An RFC 2136 UPDATE: zone section (zone SOA IN), no prerequisites, then the updates in order. */
export function encodeUpdate(id: number, zone: string, ops: readonly UpdateOp[]): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(5 << 11, 2); // opcode UPDATE
  header.writeUInt16BE(1, 4); // ZOCOUNT
  header.writeUInt16BE(0, 6); // PRCOUNT
  header.writeUInt16BE(ops.length, 8); // UPCOUNT
  header.writeUInt16BE(0, 10); // ADCOUNT
  const zoneSection = Buffer.concat([encodeName(zone), Buffer.from([0, TYPE_CODES.SOA, 0, CLASS_IN])]);
  const updates = ops.map((u) => {
    switch (u.op) {
      case 'add':
        return rr(u.name, TYPE_CODES[u.data.type], CLASS_IN, u.ttl, encodeRdata(u.data));
      case 'delete':
        return rr(u.name, TYPE_CODES[u.data.type], CLASS_NONE, 0, encodeRdata(u.data));
      case 'deleteRRset':
        return rr(u.name, TYPE_CODES[u.type], CLASS_ANY, 0, Buffer.alloc(0));
    }
  });
  return Buffer.concat([header, zoneSection, ...updates]);
}
