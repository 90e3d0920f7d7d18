// Is this server's own address on a DNS blocklist? The same query names as the MX's client checks
// (dnsblName), but the answer has three values: listed, clean, or unknown. Unknown is never an
// alert: a public resolver (blocklists refuse or mislead them), a 127.255.255.x "refused" answer,
// a timeout, or no public address to look up.
import { dnsblName, isInternalAddress } from '../inbound/client-checks.ts';
import { isNoData, type DnsResolver } from '../net/dns-resolver.ts';

export type BlocklistResult =
  | { state: 'listed'; listings: Array<{ address: string; zone: string }> }
  | { state: 'clean'; addresses: string[]; zones: string[] }
  | { state: 'unknown'; reason: string };

type Answer = 'listed' | 'clean' | 'unknown';

async function ask(resolver: DnsResolver, address: string, zone: string): Promise<Answer> {
  try {
    const a = (await resolver.lookup(dnsblName(address, zone), 'A')) as string[];
    if (a.some((x) => x.startsWith('127.255.255.'))) return 'unknown'; // the list refuses this resolver
    return a.some((x) => x.startsWith('127.')) ? 'listed' : 'clean';
  } catch (err) {
    return isNoData(err) ? 'clean' : 'unknown';
  }
}

/** The addresses to look up: configured ones, else the outbound source address, else the hostname's. */
export async function serverAddresses(
  resolver: DnsResolver,
  opts: { configured: readonly string[]; localAddress: string; hostname: string },
): Promise<string[]> {
  let list = [...opts.configured];
  if (!list.length && opts.localAddress) list = [opts.localAddress];
  if (!list.length) list = await resolver.addresses(opts.hostname).catch(() => [] as string[]);
  return list.filter((a) => !isInternalAddress(a));
}

export async function checkBlocklists(
  resolver: DnsResolver,
  addresses: readonly string[],
  zones: readonly string[],
): Promise<BlocklistResult> {
  if (resolver.usesPublicResolver)
    return {
      state: 'unknown',
      reason: `the DNS resolver (${resolver.servers.join(', ')}) is a public one, which blocklists refuse to answer`,
    };
  if (!addresses.length) return { state: 'unknown', reason: 'no public address of this server is known' };
  const answers = await Promise.all(
    addresses.flatMap((address) =>
      zones.map(async (zone) => ({ address, zone, answer: await ask(resolver, address, zone) })),
    ),
  );
  const listings = answers
    .filter((a) => a.answer === 'listed')
    .map(({ address, zone }) => ({ address, zone }));
  if (listings.length) return { state: 'listed', listings };
  const unanswered = answers.filter((a) => a.answer === 'unknown');
  if (unanswered.length)
    return {
      state: 'unknown',
      reason: `no usable answer from ${[...new Set(unanswered.map((a) => a.zone))].join(', ')}`,
    };
  return { state: 'clean', addresses: [...addresses], zones: [...zones] };
}
