// Who is connecting: DNS blocklist listings of the client address, its reverse DNS (confirmed
// when the PTR name resolves back to it), and whether its HELO name is plausible or forged.
import { isIP } from 'node:net';
import type { DnsResolver } from '../net/dns-resolver.ts';

/** Loopback, private, link-local and unique-local addresses are never looked up anywhere. */
export function isInternalAddress(ip: string): boolean {
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  if (isIP(v4) === 4) {
    const [a, b] = v4.split('.').map(Number) as [number, number];
    return (
      a === 127 ||
      a === 10 ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 169 && b === 254) ||
      a === 0
    );
  }
  const l = ip.toLowerCase();
  return l === '::1' || l === '::' || l.startsWith('fe80:') || l.startsWith('fc') || l.startsWith('fd');
}

function expandIpv6(ip: string): string {
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.map((g) => g.padStart(4, '0')).join('');
}

/** The DNSBL query name of `ip` in `zone` (reversed octets, or reversed nibbles for IPv6). */
export function dnsblName(ip: string, zone: string): string {
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  if (isIP(v4) === 4) return `${v4.split('.').reverse().join('.')}.${zone}`;
  return `${expandIpv6(ip).split('').reverse().join('.')}.${zone}`;
}

/** Zones whose 127.0.0.x answer lists `ip` (127.255.255.x answers are resolver errors, ignored). */
export async function dnsblListings(
  resolver: DnsResolver,
  ip: string,
  zones: readonly string[],
): Promise<string[]> {
  const hits = await Promise.all(
    zones.map(async (zone) => {
      try {
        const a = (await resolver.lookup(dnsblName(ip, zone), 'A')) as string[];
        return a.some((x) => x.startsWith('127.') && !x.startsWith('127.255.255.')) ? zone : undefined;
      } catch {
        return undefined; // NXDOMAIN (not listed), or the list is unreachable: never refuse on an error
      }
    }),
  );
  return hits.filter((z): z is string => !!z);
}

export async function reverseDns(
  resolver: DnsResolver,
  ip: string,
): Promise<'confirmed' | 'unconfirmed' | 'none'> {
  let names: string[];
  try {
    names = await resolver.ptr(ip.startsWith('::ffff:') ? ip.slice(7) : ip);
  } catch {
    return 'none';
  }
  if (!names.length) return 'none';
  const target = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  for (const n of names.slice(0, 3)) {
    const addrs = await resolver.addresses(n).catch(() => [] as string[]);
    if (addrs.includes(target)) return 'confirmed';
  }
  return 'unconfirmed';
}

const FQDN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}\.?$/i;

/** A fully qualified name or an address literal ([192.0.2.1], [IPv6:...]). */
export function heloPlausible(helo: string): boolean {
  if (FQDN.test(helo)) return true;
  const m = /^\[(?:ipv6:)?([^\]]+)\]$/i.exec(helo);
  return !!m && isIP(m[1]!) !== 0;
}

/**
 * A HELO naming this server (its host name, one of its domains, or its own address literal)
 * from a client that is not this server: the classic forgery of spam bots.
 */
export function heloForged(
  helo: string,
  clientIp: string,
  ours: { names: readonly string[]; addresses: readonly string[] },
): boolean {
  const h = helo.toLowerCase().replace(/\.$/, '');
  if (ours.addresses.includes(clientIp) || (isInternalAddress(clientIp) && ours.addresses.length === 0))
    return false;
  if (ours.names.includes(h)) return true;
  const lit = /^\[(?:ipv6:)?([^\]]+)\]$/i.exec(h);
  return !!lit && ours.addresses.includes(lit[1]!) && lit[1] !== clientIp;
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((n, o) => (n << 8) + Number(o), 0) >>> 0;
}

/** Whether `ip` lies in one of the CIDR ranges ("127.0.0.0/8", "::1/128", or a bare address). */
export function inRanges(ip: string, ranges: readonly string[]): boolean {
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  for (const r of ranges) {
    const [base, bitsText] = r.split('/') as [string, string | undefined];
    if (isIP(v4) === 4 && isIP(base) === 4) {
      const bits = bitsText === undefined ? 32 : Number(bitsText);
      const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
      if ((ipv4ToInt(v4) & mask) === (ipv4ToInt(base) & mask)) return true;
    } else if (isIP(ip) === 6 && isIP(base) === 6) {
      const bits = bitsText === undefined ? 128 : Number(bitsText);
      const a = expandIpv6(ip);
      const b = expandIpv6(base);
      const nibbles = Math.floor(bits / 4);
      if (a.slice(0, nibbles) !== b.slice(0, nibbles)) continue;
      const rest = bits % 4;
      if (rest === 0) return true;
      const m = (0xf << (4 - rest)) & 0xf;
      if ((parseInt(a[nibbles]!, 16) & m) === (parseInt(b[nibbles]!, 16) & m)) return true;
    }
  }
  return false;
}
