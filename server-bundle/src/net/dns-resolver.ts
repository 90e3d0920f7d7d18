// The DNS every internet-mail check and delivery goes through: one node:dns Resolver pointed at
// the configured servers (tests: a local authoritative server on 127.0.0.53:5353), with a small
// answer cache shared by SPF, DKIM, DMARC, DNSBL and MX lookups. `lookup` has the shape of
// dns.promises.resolve(name, rrtype), which is what mailauth takes as its resolver.
import { getServers, Resolver } from 'node:dns/promises';

export interface MxRecord {
  exchange: string;
  priority: number;
}

export interface DnsSettings {
  servers: readonly string[];
  timeoutMs: number;
  tries: number;
  cacheTtlMs: number;
  cacheMaxEntries: number;
}

/** Resolvers that refuse or mislead DNSBL queries (they answer for everyone, shared rate limits). */
const PUBLIC_RESOLVERS = new Set([
  '8.8.8.8',
  '8.8.4.4',
  '1.1.1.1',
  '1.0.0.1',
  '9.9.9.9',
  '149.112.112.112',
  '208.67.222.222',
  '208.67.220.220',
  '64.6.64.6',
  '64.6.65.6',
  '94.140.14.14',
  '94.140.15.15',
  '76.76.2.0',
  '76.76.10.0',
  '185.228.168.9',
  '2001:4860:4860::8888',
  '2001:4860:4860::8844',
  '2606:4700:4700::1111',
  '2606:4700:4700::1001',
  '2620:fe::fe',
  '2620:fe::9',
]);

const hostOf = (server: string): string => {
  const m = /^\[([^\]]+)\](?::\d+)?$/.exec(server);
  if (m) return m[1]!;
  return server.split(':').length === 2 ? server.split(':')[0]! : server;
};

/** DNS "no such name / no such record": an answer, not a failure. */
export function isNoData(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === 'ENOTFOUND' || code === 'ENODATA' || code === 'NXDOMAIN';
}

export class DnsResolver {
  readonly servers: readonly string[];
  readonly #resolver: Resolver;
  readonly #ttl: number;
  readonly #max: number;
  readonly #cache = new Map<string, { until: number; value?: unknown; error?: unknown }>();

  constructor(s: DnsSettings) {
    this.#resolver = new Resolver({ timeout: s.timeoutMs, tries: s.tries });
    if (s.servers.length) this.#resolver.setServers([...s.servers]);
    this.servers = this.#resolver.getServers();
    this.#ttl = s.cacheTtlMs;
    this.#max = s.cacheMaxEntries;
  }

  /** True when any configured server is a well-known public resolver (DNSBLs are skipped then). */
  get usesPublicResolver(): boolean {
    return (this.servers.length ? this.servers : getServers()).some((s) => PUBLIC_RESOLVERS.has(hostOf(s)));
  }

  /** dns.promises.resolve(name, rrtype) with the cache; rejects with ENOTFOUND/ENODATA for no answer. */
  // The record shape depends on rrtype, as with dns.promises.resolve itself.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly lookup = async (name: string, rrtype = 'A'): Promise<any> => {
    const key = `${rrtype} ${name.toLowerCase()}`;
    const now = Date.now();
    const hit = this.#cache.get(key);
    if (hit && hit.until > now) {
      if (hit.error) throw hit.error;
      return hit.value;
    }
    try {
      const value: unknown = await this.#resolver.resolve(name, rrtype as 'A');
      this.#remember(key, { until: now + this.#ttl, value });
      return value;
    } catch (err) {
      // Negative answers are cached; so, briefly, are server failures (RFC 2308 §7: a REFUSED
      // from an authoritative server that does not serve the parent of a name would otherwise be
      // asked again for every message). Timeouts are not: the next message tries again.
      const code = (err as { code?: string }).code;
      if (isNoData(err)) this.#remember(key, { until: now + this.#ttl / 5, error: err });
      else if (code !== 'ETIMEOUT' && code !== 'ECANCELLED')
        this.#remember(key, { until: now + Math.min(this.#ttl / 5, 30_000), error: err });
      throw err;
    }
  };

  #remember(key: string, entry: { until: number; value?: unknown; error?: unknown }): void {
    if (this.#ttl <= 0) return;
    if (this.#cache.size >= this.#max) this.#cache.clear();
    this.#cache.set(key, entry);
  }

  async mx(domain: string): Promise<MxRecord[]> {
    return (await this.lookup(domain, 'MX')) as MxRecord[];
  }

  /** IPv6 first, then IPv4 ("IPv6 is used where the remote has it"); [] when the name has neither. */
  async addresses(host: string): Promise<string[]> {
    const [v6, v4] = await Promise.all(
      ['AAAA', 'A'].map((t) =>
        this.lookup(host, t).then(
          (r: string[]) => r,
          (err: unknown) => {
            if (isNoData(err)) return [] as string[];
            throw err;
          },
        ),
      ),
    );
    return [...v6!, ...v4!];
  }

  async txt(name: string): Promise<string[]> {
    try {
      return ((await this.lookup(name, 'TXT')) as string[][]).map((parts) => parts.join(''));
    } catch (err) {
      if (isNoData(err)) return [];
      throw err;
    }
  }

  async ptr(ip: string): Promise<string[]> {
    try {
      return await this.#resolver.reverse(ip);
    } catch (err) {
      if (isNoData(err)) return [];
      throw err;
    }
  }
}
