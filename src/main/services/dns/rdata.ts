/**
 * Record data in one structured form, and the two ways Facteur writes it: the value a provider's
 * form wants (TXT unquoted, names with a final dot) and RFC 1035 master-file syntax (TXT quoted and
 * split into strings of at most 255 bytes). Comparisons use `rdataKey`.
 */
import type { DnsRecordType } from '../../../shared/dns';
import { canonicalIp, fqdn, normalizeName } from './names';

export type RData =
  | { type: 'A' | 'AAAA'; address: string }
  | { type: 'MX'; preference: number; exchange: string }
  /** `chunks`: the character-strings as found on the wire (one TXT record may hold several). */
  | { type: 'TXT'; text: string; chunks?: string[] }
  | { type: 'SRV'; priority: number; weight: number; port: number; target: string }
  | { type: 'CNAME' | 'PTR' | 'NS'; target: string }
  | { type: 'CAA'; flags: number; tag: string; value: string }
  | { type: 'TLSA'; usage: number; selector: number; matchingType: number; data: string };

export type RDataType = RData['type'];
export type PlannableType = DnsRecordType;

/** The value as a provider's web form wants it. */
export function formatValue(d: RData): string {
  switch (d.type) {
    case 'A':
    case 'AAAA':
      return canonicalIp(d.address);
    case 'MX':
      return `${d.preference} ${fqdn(d.exchange)}`;
    case 'TXT':
      return d.text;
    case 'SRV':
      return `${d.priority} ${d.weight} ${d.port} ${fqdn(d.target)}`;
    case 'CNAME':
    case 'PTR':
    case 'NS':
      return fqdn(d.target);
    case 'CAA':
      return `${d.flags} ${d.tag} "${d.value}"`;
    case 'TLSA':
      return `${d.usage} ${d.selector} ${d.matchingType} ${d.data.toLowerCase()}`;
  }
}

/** Equal keys mean equal records (names compare without case, TXT exactly). */
export function rdataKey(d: RData): string {
  switch (d.type) {
    case 'MX':
      return `MX ${d.preference} ${normalizeName(d.exchange)}`;
    case 'SRV':
      return `SRV ${d.priority} ${d.weight} ${d.port} ${normalizeName(d.target)}`;
    case 'CNAME':
    case 'PTR':
    case 'NS':
      return `${d.type} ${normalizeName(d.target)}`;
    case 'CAA':
      return `CAA ${d.flags} ${d.tag.toLowerCase()} ${d.value}`;
    default:
      return `${d.type} ${formatValue(d)}`;
  }
}

/** The TXT text cut into character-strings of at most 255 bytes (RFC 1035 §3.3.14). */
export function txtChunks(text: string): Buffer[] {
  const bytes = Buffer.from(text, 'utf8');
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 255) out.push(bytes.subarray(i, i + 255));
  return out.length ? out : [Buffer.alloc(0)];
}

/** One character-string in master-file syntax: quoted, with \" \\ and \DDD escapes. */
function quoteString(bytes: Buffer): string {
  let s = '"';
  for (const b of bytes) {
    if (b === 0x22 || b === 0x5c) s += `\\${String.fromCharCode(b)}`;
    else if (b < 0x20 || b > 0x7e) s += `\\${String(b).padStart(3, '0')}`;
    else s += String.fromCharCode(b);
  }
  return `${s}"`;
}

/** The record data in RFC 1035 master-file syntax. */
export function zoneRdata(d: RData): string {
  if (d.type === 'TXT') return txtChunks(d.text).map(quoteString).join(' ');
  return formatValue(d);
}
