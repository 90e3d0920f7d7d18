/** Domain-name helpers shared by the DNS services: one spelling for names everywhere. */
import { isIP } from 'node:net';

/** Lower case, no final dot: the form names are compared and stored in. */
export function normalizeName(name: string): string {
  return name.trim().toLowerCase().replace(/\.+$/, '');
}

/** With the final dot, as zone files and record values write a full name. */
export function fqdn(name: string): string {
  const n = normalizeName(name);
  return n === '' ? '.' : `${n}.`;
}

export function sameName(a: string, b: string): boolean {
  return normalizeName(a) === normalizeName(b);
}

/** Whether `name` is `zone` itself or a name under it. */
export function isWithin(name: string, zone: string): boolean {
  const n = normalizeName(name);
  const z = normalizeName(zone);
  return n === z || n.endsWith(`.${z}`);
}

/** The name relative to the zone, as registrars' forms want it: "@" for the zone itself. */
export function relativeName(name: string, zone: string): string {
  const n = normalizeName(name);
  const z = normalizeName(zone);
  if (n === z) return '@';
  return isWithin(n, z) ? n.slice(0, -(z.length + 1)) : fqdn(n);
}

/** The in-addr.arpa / ip6.arpa name of an address (RFC 1035 §3.5, RFC 3596 §2.5). */
export function reverseName(ip: string): string {
  const family = isIP(ip);
  if (family === 4) return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
  if (family === 6) return `${expandIpv6(ip).replace(/:/g, '').split('').reverse().join('.')}.ip6.arpa`;
  throw new Error(`${ip} is not an IP address`);
}

/** Eight groups of four hex digits. */
export function expandIpv6(ip: string): string {
  let text = ip.toLowerCase();
  // An embedded IPv4 tail (::ffff:192.0.2.1) becomes two hex groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = text.slice(0, v4.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const missing = tail === undefined ? 0 : 8 - left.length - right.length;
  const groups = [...left, ...Array<string>(missing).fill('0'), ...right];
  return groups.map((g) => g.padStart(4, '0')).join(':');
}

/** The shortest text form (RFC 5952), so two spellings of one address compare equal. */
export function canonicalIp(ip: string): string {
  if (isIP(ip) !== 6) return ip.trim();
  const groups = expandIpv6(ip)
    .split(':')
    .map((g) => g.replace(/^0+(?=.)/, ''));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}
