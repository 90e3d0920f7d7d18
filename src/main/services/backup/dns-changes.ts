/**
 * After moving to a new server: the DNS records whose value must change, old address -> new. The
 * names are those the DNS plan points at the server (record-set.ts): the mail host, and mta-sts.
 * and autoconfig. of the domain; the PTR (set at the hosting provider) follows the mail host.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { DnsChange } from '../../../shared/backup';

export interface ServerAddresses {
  ipv4?: string;
  ipv6?: string;
}

/** The addresses a server is reached at: its host as given, or what that name resolves to. */
export async function addressesOf(host: string): Promise<ServerAddresses> {
  if (isIP(host) === 4) return { ipv4: host };
  if (isIP(host) === 6) return { ipv6: host };
  const found = await lookup(host, { all: true }).catch(() => []);
  return {
    ipv4: found.find((a) => a.family === 4)?.address,
    ipv6: found.find((a) => a.family === 6)?.address,
  };
}

export function dnsChanges(
  names: { hostname: string; domain: string },
  from: ServerAddresses,
  to: ServerAddresses,
): DnsChange[] {
  const hosts = [names.hostname, `mta-sts.${names.domain}`, `autoconfig.${names.domain}`];
  const out: DnsChange[] = [];
  for (const [type, key] of [
    ['A', 'ipv4'],
    ['AAAA', 'ipv6'],
  ] as const) {
    const before = from[key];
    const after = to[key];
    if (!after || before === after) continue;
    for (const name of hosts) out.push({ type, name, from: before ?? '(none)', to: after });
    out.push({ type: 'PTR', name: names.hostname, from: before ?? '(none)', to: after });
  }
  return out;
}
