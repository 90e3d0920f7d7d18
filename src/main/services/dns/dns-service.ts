/**
 * The DNS wizard's service: plans a domain's records, checks them live, and applies them through a
 * provider (RFC 2136 today). Provider settings and the TSIG secret are kept in the desktop vault.
 */
import { getServers } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type {
  DnsApplyResult,
  DnsCheckReport,
  DnsPlan,
  DnsPlanRequest,
  DnsProviderConfig,
  Rfc2136ProviderConfig,
} from '../../../shared/dns';
import { FacteurError } from '../../../shared/errors';
import type { DesktopConfig } from '../../config';
import type { Vault } from '../vault/vault';
import { DnsClient, parseEndpoint, type DnsEndpoint } from './dns-client';
import { LiveCheck } from './live-check';
import { isWithin, normalizeName } from './names';
import { describeChange, diffRecords, groupPlanned, type DnsProvider } from './provider';
import { planRecords } from './record-set';
import { Rfc2136Provider } from './rfc2136-provider';

type SavedProvider = Rfc2136ProviderConfig & { secret?: string };

const vaultKey = (domain: string) => `dns.provider.${normalizeName(domain)}`;

/** What a deployed server tells about itself for a domain's records (mail host, IPv4, DKIM keys). */
export type ServerDnsFacts = (
  serverId: string,
  domain: string,
) => Promise<Pick<DnsPlanRequest, 'mailHost' | 'ipv4' | 'dkim'>>;

export class DnsService {
  private readonly client: DnsClient;

  constructor(
    private readonly vault: Vault,
    private readonly config: DesktopConfig['dns'],
    private readonly serverFacts?: ServerDnsFacts,
  ) {
    this.client = new DnsClient({ timeoutMs: config.timeoutMs, tries: config.tries });
  }

  private resolvers(): DnsEndpoint[] {
    const list = this.config.resolvers.length ? this.config.resolvers : getServers();
    return list.map((s) => parseEndpoint(s));
  }

  /** With a serverId, what the owner left empty comes from the deployed server. */
  private async complete(req: DnsPlanRequest): Promise<DnsPlanRequest> {
    if (!req.serverId || !this.serverFacts) return req;
    const facts = await this.serverFacts(req.serverId, req.domain);
    const done = {
      ...req,
      mailHost: req.mailHost ?? facts.mailHost,
      ipv4: req.ipv4 ?? facts.ipv4,
      dkim: req.dkim.length ? req.dkim : facts.dkim,
    };
    if (!done.ipv4 && !done.ipv6)
      throw new FacteurError('VALIDATION', 'Enter the server’s IPv4 or IPv6 address.', { field: 'ipv4' });
    return done;
  }

  async plan(request: DnsPlanRequest): Promise<DnsPlan> {
    const req = await this.complete(request);
    return planRecords({ ...req, ttl: this.config.ttl }).plan;
  }

  async check(request: DnsPlanRequest): Promise<DnsCheckReport> {
    const req = await this.complete(request);
    const { records, plan } = planRecords({ ...req, ttl: this.config.ttl });
    const live = new LiveCheck({
      client: this.client,
      resolvers: this.resolvers(),
      authPort: this.config.authPort,
    });
    return live.check(records, {
      domain: plan.domain,
      mailHost: plan.mailHost,
      ipv4: req.ipv4,
      ipv6: req.ipv6,
    });
  }

  async savedProvider(
    domain: string,
  ): Promise<{ provider: Omit<Rfc2136ProviderConfig, 'secret'> | null; hasSecret: boolean }> {
    const saved = await this.vault.get<SavedProvider>(vaultKey(domain));
    if (!saved) return { provider: null, hasSecret: false };
    const { secret, ...provider } = saved;
    return { provider, hasSecret: !!secret };
  }

  async apply(req: { plan: DnsPlanRequest; provider: DnsProviderConfig }): Promise<DnsApplyResult> {
    const { records, plan } = planRecords({ ...(await this.complete(req.plan)), ttl: this.config.ttl });
    const cfg = req.provider;
    const zone = normalizeName(cfg.zone ?? plan.domain);
    const outside = records.find((r) => !isWithin(r.name, zone));
    if (outside)
      throw new FacteurError('VALIDATION', `${outside.name} is not inside the zone ${zone}.`, {
        field: 'provider.zone',
      });
    const saved = await this.vault.get<SavedProvider>(vaultKey(plan.domain));
    const secret = cfg.secret ?? saved?.secret;
    if (!secret)
      throw new FacteurError('VALIDATION', 'Enter the TSIG secret of the key.', { field: 'provider.secret' });

    const provider = await this.rfc2136(cfg, zone, secret);
    const keys = groupPlanned(records).map((g) => ({ name: g[0]!.name, type: g[0]!.data.type }));
    const current = await provider.listRecords!(keys);
    const diff = diffRecords(records, current);
    await provider.applyChanges(diff.changes);
    await this.vault.set(vaultKey(plan.domain), { ...cfg, secret } satisfies SavedProvider);
    return {
      provider: provider.name,
      zone,
      added: diff.added,
      replaced: diff.replaced,
      removed: diff.removed,
      unchanged: diff.unchanged,
      changes: diff.changes.map(describeChange),
    };
  }

  private async rfc2136(
    cfg: Rfc2136ProviderConfig,
    zone: string,
    secret: string,
  ): Promise<DnsProvider & Rfc2136Provider> {
    let address = cfg.server;
    if (!isIP(address)) {
      try {
        address = (await lookup(cfg.server)).address;
      } catch {
        throw new FacteurError('UNREACHABLE', `${cfg.server} could not be found.`, { host: cfg.server });
      }
    }
    return new Rfc2136Provider(
      {
        server: { address, port: cfg.port },
        zone,
        key: { name: cfg.keyName, algorithm: cfg.algorithm, secret: Buffer.from(secret, 'base64') },
        fudgeS: this.config.tsigFudgeS,
      },
      this.client,
    );
  }
}
