/**
 * The live check: finds the domain's authoritative name servers (NS lookup through the resolver),
 * asks each of them directly for every planned record, asks the resolver too, and checks the
 * reverse DNS (PTR) of the server's addresses. The judging itself is in evaluate.ts.
 */
import { isIP } from 'node:net';
import type { DnsCheckReport, DnsPtrCheck } from '../../../shared/dns';
import { FacteurError } from '../../../shared/errors';
import { endpointLabel, type DnsClient, type DnsEndpoint } from './dns-client';
import type { DecodedMessage, QueryType } from './dns-wire';
import { evaluateGroup, observedKey, type Observed } from './evaluate';
import { isWithin, normalizeName, reverseName } from './names';
import { groupPlanned } from './provider';
import type { PlannedRecord } from './record-set';
import { mapLimit } from './rfc2136-provider';

export interface LiveCheckOptions {
  client: DnsClient;
  /** Resolvers to ask (in order, the first that answers). */
  resolvers: DnsEndpoint[];
  /** Port of the authoritative servers (53; tests use another). */
  authPort: number;
  now?: () => Date;
}

export interface LiveCheckInput {
  domain: string;
  mailHost: string;
  ipv4?: string;
  ipv6?: string;
}

interface Nameserver {
  name: string;
  addresses: string[];
  endpoint?: DnsEndpoint;
}

export class LiveCheck {
  constructor(private readonly options: LiveCheckOptions) {}

  /** Asks the resolvers in order until one answers. */
  async resolve(name: string, type: QueryType): Promise<DecodedMessage> {
    let last: unknown;
    for (const r of this.options.resolvers) {
      try {
        const answer = await this.options.client.query(r, name, type);
        if (answer.rcode !== 'SERVFAIL' && answer.rcode !== 'REFUSED') return answer;
        last = new FacteurError(
          'COMMAND_FAILED',
          `The resolver ${endpointLabel(r)} answered ${answer.rcode}.`,
        );
      } catch (err) {
        last = err;
      }
    }
    throw last ?? new FacteurError('UNREACHABLE', 'No DNS resolver is configured.', { host: 'resolver' });
  }

  /** The zone holding `domain` and its name servers, with their addresses. */
  async nameservers(
    domain: string,
  ): Promise<{ zone: string; servers: Nameserver[] } | { problem: 'noDomain' | 'noNameservers' }> {
    const soa = await this.resolve(domain, 'SOA');
    if (soa.rcode === 'NXDOMAIN') return { problem: 'noDomain' };
    const owner = [...soa.answers, ...soa.authorities].find((r) => r.type === 'SOA')?.name ?? domain;
    const zone = isWithin(domain, owner) ? owner : domain;
    const ns = await this.resolve(zone, 'NS');
    const names = ns.answers.flatMap((r) =>
      r.data?.type === 'NS' && r.name === zone ? [r.data.target] : [],
    );
    if (names.length === 0) return { problem: 'noNameservers' };
    const servers = await Promise.all(
      [...new Set(names)].sort().map(async (name) => {
        const glue = ns.additionals.flatMap((r) =>
          r.name === name && (r.data?.type === 'A' || r.data?.type === 'AAAA') ? [r.data.address] : [],
        );
        let addresses = glue;
        if (addresses.length === 0) {
          const found = await Promise.all(
            (['A', 'AAAA'] as const).map((t) =>
              this.resolve(name, t).then(
                (m) => m.answers.flatMap((r) => (r.data?.type === t ? [r.data.address] : [])),
                () => [] as string[],
              ),
            ),
          );
          addresses = found.flat();
        }
        // IPv4 first: many networks cannot reach IPv6.
        addresses.sort((a, b) => isIP(a) - isIP(b));
        return { name, addresses };
      }),
    );
    return { zone, servers };
  }

  /** Records owned by each name (the asked type, or a CNAME standing there), from one server. */
  private async observe(
    server: DnsEndpoint,
    keys: { name: string; type: QueryType }[],
    recursion: boolean,
    into?: Observed,
  ): Promise<Observed> {
    const observed: Observed = into ?? { records: new Map(), failed: new Set() };
    await mapLimit(keys, 8, async ({ name, type }) => {
      const key = observedKey(name, type);
      try {
        const m = await this.options.client.query(server, name, type, { recursionDesired: recursion });
        if (m.rcode !== 'NOERROR' && m.rcode !== 'NXDOMAIN') {
          observed.failed.add(key);
          return;
        }
        const owner = normalizeName(name);
        observed.records.set(
          key,
          m.answers.flatMap((r) =>
            r.name === owner && r.data && (r.data.type === type || r.data.type === 'CNAME')
              ? [{ name: r.name, ttl: r.ttl, data: r.data }]
              : [],
          ),
        );
      } catch {
        observed.failed.add(key);
      }
    });
    return observed;
  }

  private async reachable(ns: Nameserver, probe: string): Promise<DnsEndpoint | undefined> {
    for (const address of ns.addresses) {
      const endpoint = { address, port: this.options.authPort };
      try {
        await this.options.client.query(endpoint, probe, 'SOA', { recursionDesired: false });
        return endpoint;
      } catch {
        // try the next address
      }
    }
    return undefined;
  }

  async check(records: readonly PlannedRecord[], input: LiveCheckInput): Promise<DnsCheckReport> {
    const domain = normalizeName(input.domain);
    const checkedAt = (this.options.now?.() ?? new Date()).toISOString();
    const ptr = await this.checkPtr(input);
    const found = await this.nameservers(domain).catch(() => ({ problem: 'unreachable' as const }));
    const unchecked = (
      problem: 'noDomain' | 'noNameservers' | 'unreachable',
      message: string,
    ): DnsCheckReport => ({
      domain,
      checkedAt,
      nameservers:
        'servers' in found ? found.servers.map(({ name, addresses }) => ({ name, addresses })) : [],
      problem: { code: problem, message },
      records: records.map((r) => ({
        id: r.id,
        kind: r.kind,
        name: r.name,
        type: r.type,
        expected: r.value,
        found: [],
        status: 'error',
        resolverStatus: 'error',
        message: `${r.name} ${r.type}: not checked.`,
        hints: [],
      })),
      ptr,
    });
    if ('problem' in found) {
      const messages = {
        noDomain: `${domain} does not exist in the DNS yet: check its spelling, or that its registration is complete.`,
        noNameservers: `No name server is listed for ${domain}: set the name servers at your registrar.`,
        unreachable: `The DNS resolver could not be asked about ${domain}: check this computer's internet connection.`,
      };
      return unchecked(found.problem, messages[found.problem]);
    }
    for (const ns of found.servers) ns.endpoint = await this.reachable(ns, found.zone);
    const live = found.servers.filter((s) => s.endpoint);
    if (live.length === 0)
      return unchecked(
        'unreachable',
        `None of the name servers of ${domain} (${found.servers.map((s) => s.name).join(', ')}) answered.`,
      );

    const groups = groupPlanned(records);
    const keys = groups.map((g) => ({ name: g[0]!.name, type: g[0]!.type as QueryType }));
    const views = await Promise.all(live.map((s) => this.observe(s.endpoint!, keys, false)));
    const primary = views[0]!;
    const firstResolver = this.options.resolvers[0];
    const resolver = firstResolver ? await this.observe(firstResolver, keys, true) : undefined;
    // For the hints: the same names with the domain appended once more (a classic registrar slip).
    await this.observe(
      live[0]!.endpoint!,
      keys.map(({ name, type }) => ({ name: `${name}.${domain}`, type })),
      false,
      primary,
    );
    const others = live.slice(1).map((s, i) => ({ server: s.name, observed: views[i + 1]! }));
    return {
      domain,
      checkedAt,
      nameservers: found.servers.map(({ name, addresses }) => ({ name, addresses })),
      records: groups.flatMap((g) => evaluateGroup(g, { domain, primary, others, resolver })),
      ptr,
    };
  }

  /** Reverse DNS of each server address, through the resolver. */
  async checkPtr(input: LiveCheckInput): Promise<DnsPtrCheck[]> {
    const host = normalizeName(input.mailHost);
    const ips = [input.ipv4, input.ipv6].filter((ip): ip is string => !!ip);
    return Promise.all(
      ips.map(async (ip): Promise<DnsPtrCheck> => {
        const name = reverseName(ip);
        const base = { ip, reverseName: name, expected: `${host}.` };
        try {
          const m = await this.resolve(name, 'PTR');
          const found = m.answers.flatMap((r) => (r.data?.type === 'PTR' ? [`${r.data.target}.`] : []));
          if (found.some((f) => normalizeName(f) === host))
            return { ...base, found, status: 'ok', message: `The reverse DNS of ${ip} is ${host}.` };
          const fix = `ask your hosting provider to set the reverse DNS (PTR) of ${ip} to ${host}; it is usually in the server's control panel.`;
          if (found.length === 0)
            return { ...base, found, status: 'missing', message: `${ip} has no reverse DNS: ${fix}` };
          return {
            ...base,
            found,
            status: 'wrong',
            message: `The reverse DNS of ${ip} is ${found.join(', ')}, expected ${host}: ${fix}`,
          };
        } catch (err) {
          return {
            ...base,
            found: [],
            status: 'error',
            message: `The reverse DNS of ${ip} could not be read: ${(err as Error).message}`,
          };
        }
      }),
    );
  }
}
