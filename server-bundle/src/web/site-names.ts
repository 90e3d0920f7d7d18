// Which site a request is for, from its Host: the mail host itself, one of the per-domain service
// names (mta-sts.<domain>, autoconfig.<domain>, autodiscover.<domain>) or a served domain. The
// domains come from the config DB (any process may add one), re-read at most every refreshMs.

export type Site =
  | { kind: 'mail'; host: string }
  | { kind: 'mta-sts' | 'autoconfig' | 'autodiscover' | 'domain'; host: string; domain: string };

export interface SiteNamesOptions {
  /** Mail host names (config.hostname). */
  hostNames: readonly string[];
  listDomains: () => readonly string[];
  refreshMs?: number;
}

const PREFIXES = ['mta-sts', 'autoconfig', 'autodiscover'] as const;

export class SiteNames {
  readonly #hostNames: Set<string>;
  readonly #listDomains: () => readonly string[];
  readonly #refreshMs: number;
  #domains = new Set<string>();
  #readAt = -Infinity;

  constructor(opts: SiteNamesOptions) {
    this.#hostNames = new Set(opts.hostNames.map((h) => h.toLowerCase().replace(/\.$/, '')));
    this.#listDomains = opts.listDomains;
    this.#refreshMs = opts.refreshMs ?? 5_000;
  }

  domains(): ReadonlySet<string> {
    const now = Date.now();
    if (now - this.#readAt >= this.#refreshMs) {
      this.#domains = new Set(this.#listDomains().map((d) => d.toLowerCase()));
      this.#readAt = now;
    }
    return this.#domains;
  }

  isServedDomain(domain: string): boolean {
    return this.domains().has(domain.toLowerCase().replace(/\.$/, ''));
  }

  classify(host: string | undefined): Site | undefined {
    if (!host) return undefined;
    if (this.#hostNames.has(host)) return { kind: 'mail', host };
    const domains = this.domains();
    if (domains.has(host)) return { kind: 'domain', host, domain: host };
    for (const p of PREFIXES) {
      if (host.startsWith(p + '.') && domains.has(host.slice(p.length + 1)))
        return { kind: p, host, domain: host.slice(p.length + 1) };
    }
    return undefined;
  }
}
