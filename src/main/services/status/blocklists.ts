/**
 * DNS blocklists (Spamhaus ZEN and the like) asked about the server's IPv4 address. A listing is
 * an A record in 127.0.0.0/8; the lists answer 127.255.255.x to say "I refuse to answer you"
 * (public resolvers, too many queries), and public resolvers are refused outright: in those cases,
 * and on anything odd, the answer is "unknown" — never a false "listed".
 */
import { getServers } from 'node:dns';
import { isIPv4 } from 'node:net';
import type { StatusCheck } from '../../../shared/status';
import { DnsClient, endpointLabel, parseEndpoint, type DnsEndpoint } from '../dns/dns-client';
import { check } from './check';

/** Open resolvers the big blocklists refuse (Spamhaus answers them 127.255.255.254). */
const PUBLIC_RESOLVERS = new Set([
  '8.8.8.8',
  '8.8.4.4',
  '1.1.1.1',
  '1.0.0.1',
  '9.9.9.9',
  '149.112.112.112',
  '208.67.222.222',
  '208.67.220.220',
  '94.140.14.14',
  '94.140.15.15',
  '2001:4860:4860::8888',
  '2001:4860:4860::8844',
  '2606:4700:4700::1111',
  '2606:4700:4700::1001',
  '2620:fe::fe',
  '2620:119:35::35',
]);

export type ZoneAnswer =
  | { zone: string; outcome: 'listed'; codes: string[] }
  | { zone: string; outcome: 'clear' }
  | { zone: string; outcome: 'unknown'; reason: string };

export type BlocklistResult =
  | { kind: 'noIpv4' }
  | { kind: 'publicResolver'; resolver: string }
  | { kind: 'asked'; resolver: string; answers: ZoneAnswer[] };

export interface BlocklistOptions {
  zones: readonly string[];
  /** host or host:port; empty: this computer's resolvers. */
  resolvers: readonly string[];
  timeoutMs: number;
  tries: number;
}

export const reversedIpv4 = (ip: string): string => ip.split('.').reverse().join('.');

export async function lookupBlocklists(
  ipv4: string | undefined,
  opts: BlocklistOptions,
): Promise<BlocklistResult> {
  if (!ipv4 || !isIPv4(ipv4)) return { kind: 'noIpv4' };
  const resolvers = (opts.resolvers.length ? opts.resolvers : getServers()).map((s) => parseEndpoint(s));
  const publicOne = resolvers.find((r) => PUBLIC_RESOLVERS.has(r.address));
  if (publicOne) return { kind: 'publicResolver', resolver: publicOne.address };
  const resolver = resolvers[0];
  if (!resolver) return { kind: 'asked', resolver: '—', answers: opts.zones.map((zone) => noResolver(zone)) };
  const client = new DnsClient({ timeoutMs: opts.timeoutMs, tries: opts.tries });
  const answers = await Promise.all(opts.zones.map((zone) => askZone(client, resolver, ipv4, zone)));
  return { kind: 'asked', resolver: endpointLabel(resolver), answers };
}

const noResolver = (zone: string): ZoneAnswer => ({ zone, outcome: 'unknown', reason: 'no resolver' });

async function askZone(
  client: DnsClient,
  resolver: DnsEndpoint,
  ipv4: string,
  zone: string,
): Promise<ZoneAnswer> {
  let answer;
  try {
    answer = await client.query(resolver, `${reversedIpv4(ipv4)}.${zone}`, 'A');
  } catch (err) {
    return { zone, outcome: 'unknown', reason: (err as Error).message };
  }
  if (answer.rcode === 'NXDOMAIN') return { zone, outcome: 'clear' };
  if (answer.rcode !== 'NOERROR')
    return { zone, outcome: 'unknown', reason: `the resolver said ${answer.rcode}` };
  const addresses = answer.answers
    .map((a) => (a.data?.type === 'A' ? a.data.address : undefined))
    .filter((a): a is string => !!a);
  if (!addresses.length) return { zone, outcome: 'clear' };
  if (addresses.some((a) => a.startsWith('127.255.255.')))
    return {
      zone,
      outcome: 'unknown',
      reason: `the list refused to answer this resolver (${addresses.join(', ')})`,
    };
  if (addresses.every((a) => a.startsWith('127.'))) return { zone, outcome: 'listed', codes: addresses };
  return { zone, outcome: 'unknown', reason: `unexpected answer ${addresses.join(', ')}` };
}

export function blocklistsCheck(result: BlocklistResult, ipv4?: string): StatusCheck {
  if (result.kind === 'noIpv4')
    return check('blocklists', 'unknown', 'noIpv4', '?', 'Facteur does not know the server’s IPv4 address.');
  if (result.kind === 'publicResolver')
    return check(
      'blocklists',
      'unknown',
      'publicResolver',
      '?',
      `Blocklists refuse questions from public resolvers such as ${result.resolver}, so Facteur cannot tell whether ${ipv4} is listed.`,
      'Use your internet provider’s resolver on this computer, or look the address up on each blocklist’s website (e.g. check.spamhaus.org).',
      { resolver: result.resolver, ip: ipv4 ?? '' },
    );
  const listed = result.answers.filter((a) => a.outcome === 'listed');
  const unknown = result.answers.filter((a) => a.outcome === 'unknown');
  const total = result.answers.length;
  if (listed.length)
    return check(
      'blocklists',
      'fail',
      'listed',
      listed.map((a) => a.zone).join(', '),
      `${ipv4} is listed on ${listed.map((a) => a.zone).join(', ')}: mail to many providers will bounce.`,
      'Find out why on the list’s website (it gives the reason and a removal form), fix the cause (an open relay, a hacked mailbox), then ask for removal.',
      { ip: ipv4 ?? '', zones: listed.map((a) => a.zone).join(', ') },
    );
  if (unknown.length)
    return check(
      'blocklists',
      'unknown',
      'noAnswer',
      `${total - unknown.length} of ${total} clear`,
      `No usable answer from ${unknown.map((a) => `${a.zone} (${a.reason})`).join(', ')}; the others do not list ${ipv4}.`,
      'Check again later, or look the address up on the list’s website.',
      { ip: ipv4 ?? '', zones: unknown.map((a) => a.zone).join(', ') },
    );
  return check(
    'blocklists',
    'ok',
    'clear',
    `0 of ${total}`,
    `${ipv4} is on none of the ${total} blocklists asked.`,
    undefined,
    { ip: ipv4 ?? '', total },
  );
}
