// Delivers one message to the recipients of one remote domain: finds where (MX in preference
// order, ties shuffled; the domain's A/AAAA when it has no MX; a null MX refuses mail; or the
// smarthost), applies MTA-STS (enforce: only MX hosts the policy names, certificate verified),
// connects (reusing an idle connection to the same host when there is one), uses STARTTLS
// whenever offered, and reports per recipient: sent, temporary or permanent failure.
// Network trouble and 421 move on to the next address and host; any other SMTP reply decides.
import { isIP } from 'node:net';
import type { Logger } from '../log/logger.ts';
import { isNoData, type DnsResolver } from '../net/dns-resolver.ts';
import { MtaStsPolicies, type StsPolicy } from './mta-sts-policies.ts';
import {
  openSmtp,
  SmtpReplyError,
  type SmtpClient,
  type SmtpClientOptions,
  type TlsPolicy,
} from './smtp-client.ts';

export interface RecipientOutcome {
  address: string;
  status: 'sent' | 'temporary' | 'permanent';
  code: number;
  text: string;
  mx?: string;
}

export interface RemoteDeliveryOptions {
  resolver: DnsResolver;
  mtaSts?: MtaStsPolicies;
  deliveryPort: number;
  localAddress: string;
  heloName: string;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  idleConnectionMs: number;
  maxMessagesPerConnection: number;
  ca?: string;
  smarthost?: { host: string; port: number; secure: boolean; auth?: { user: string; pass: string } };
  log: Logger;
}

interface Target {
  host: string;
  tls: TlsPolicy;
  port: number;
  secure: boolean;
  auth?: { user: string; pass: string };
}

interface Pooled {
  client: SmtpClient;
  sent: number;
  timer?: NodeJS.Timeout;
}

/** A permanent failure for every recipient, decided before any connection. */
class RouteError extends Error {
  readonly code: number;
  readonly permanent: boolean;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
    this.permanent = code >= 500;
  }
}

function shuffleTies<T extends { priority: number }>(list: T[]): T[] {
  const out = [...list].sort((a, b) => a.priority - b.priority);
  for (let i = 0; i < out.length;) {
    let j = i;
    while (j < out.length && out[j]!.priority === out[i]!.priority) j++;
    for (let k = j - 1; k > i; k--) {
      const r = i + Math.floor(Math.random() * (k - i + 1));
      [out[k], out[r]] = [out[r]!, out[k]!];
    }
    i = j;
  }
  return out;
}

export class RemoteDelivery {
  readonly #o: RemoteDeliveryOptions;
  readonly #idle = new Map<string, Pooled[]>();

  constructor(o: RemoteDeliveryOptions) {
    this.#o = o;
  }

  /** MX host names in the order to try them (the domain itself when it has no MX). */
  async mxHosts(domain: string): Promise<string[]> {
    let mx;
    try {
      mx = await this.#o.resolver.mx(domain);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'ENOTFOUND' || code === 'NXDOMAIN')
        throw new RouteError(550, `5.1.2 Domain ${domain} does not exist`);
      if (code !== 'ENODATA')
        throw new RouteError(451, `4.4.3 DNS lookup of ${domain} failed (${code ?? 'error'})`);
      return [domain]; // RFC 5321 §5.1: no MX, the domain's own address records
    }
    if (!mx.length) return [domain];
    if (mx.length === 1 && (mx[0]!.exchange === '' || mx[0]!.exchange === '.')) {
      throw new RouteError(556, `5.1.10 Domain ${domain} accepts no mail (null MX)`);
    }
    return shuffleTies(mx).map((m) => m.exchange.toLowerCase().replace(/\.$/, ''));
  }

  async #targets(domain: string): Promise<{ targets: Target[]; policy?: StsPolicy }> {
    const sh = this.#o.smarthost;
    if (sh)
      return {
        targets: [
          {
            host: sh.host,
            port: sh.port,
            secure: sh.secure,
            tls: 'verified',
            ...(sh.auth ? { auth: sh.auth } : {}),
          },
        ],
      };
    const hosts = await this.mxHosts(domain);
    const policy = this.#o.mtaSts ? await this.#o.mtaSts.policyFor(domain) : undefined;
    if (policy?.mode === 'enforce') {
      const allowed = hosts.filter((h) => MtaStsPolicies.allows(policy, h));
      if (!allowed.length)
        throw new RouteError(451, `4.7.5 No MX host of ${domain} matches its MTA-STS policy`);
      return {
        targets: allowed.map((host) => ({
          host,
          port: this.#o.deliveryPort,
          secure: false,
          tls: 'verified' as const,
        })),
        policy,
      };
    }
    if (policy?.mode === 'testing') {
      for (const h of hosts)
        if (!MtaStsPolicies.allows(policy, h))
          this.#o.log.warn('outbound.mta_sts_testing_mismatch', { domain, mx: h });
    }
    return {
      targets: hosts.map((host) => ({
        host,
        port: this.#o.deliveryPort,
        secure: false,
        tls: 'opportunistic' as const,
      })),
      ...(policy ? { policy } : {}),
    };
  }

  async #addresses(host: string): Promise<string[]> {
    if (isIP(host)) return [host];
    let addrs: string[];
    try {
      addrs = await this.#o.resolver.addresses(host);
    } catch (err) {
      if (isNoData(err)) return [];
      throw err;
    }
    const la = this.#o.localAddress;
    if (la && isIP(la)) {
      const fam = isIP(la);
      addrs = addrs.filter((a) => isIP(a) === fam);
    }
    return addrs;
  }

  #key(ip: string, t: Target): string {
    return `${ip}|${t.port}|${t.tls}|${t.secure}|${t.host}|${t.auth?.user ?? ''}`;
  }

  async #connect(ip: string, t: Target): Promise<{ pooled: Pooled; key: string }> {
    const key = this.#key(ip, t);
    const list = this.#idle.get(key);
    while (list?.length) {
      const p = list.pop()!;
      clearTimeout(p.timer);
      if (!p.client.closed) return { pooled: p, key };
    }
    const opts: SmtpClientOptions = {
      host: ip,
      port: t.port,
      servername: t.host,
      secure: t.secure,
      tls: t.tls,
      heloName: this.#o.heloName,
      connectTimeoutMs: this.#o.connectTimeoutMs,
      commandTimeoutMs: this.#o.commandTimeoutMs,
      ...(this.#o.localAddress ? { localAddress: this.#o.localAddress } : {}),
      ...(this.#o.ca ? { ca: this.#o.ca } : {}),
      ...(t.auth ? { auth: t.auth } : {}),
    };
    const client = await openSmtp(opts);
    return { pooled: { client, sent: 0 }, key };
  }

  #release(key: string, p: Pooled): void {
    if (p.client.closed || p.sent >= this.#o.maxMessagesPerConnection || this.#o.idleConnectionMs <= 0) {
      p.client.close();
      return;
    }
    const list = this.#idle.get(key) ?? [];
    this.#idle.set(key, list);
    list.push(p);
    p.timer = setTimeout(() => {
      const i = list.indexOf(p);
      if (i >= 0) list.splice(i, 1);
      p.client.close();
    }, this.#o.idleConnectionMs);
    p.timer.unref();
  }

  /** Tries the domain's hosts until one gives an SMTP answer for the message. */
  async deliver(
    domain: string,
    envelope: { from: string; to: readonly string[] },
    raw: Buffer,
  ): Promise<RecipientOutcome[]> {
    const all = (
      status: RecipientOutcome['status'],
      code: number,
      text: string,
      mx?: string,
    ): RecipientOutcome[] =>
      envelope.to.map((address) => ({ address, status, code, text, ...(mx ? { mx } : {}) }));
    let targets: Target[];
    try {
      ({ targets } = await this.#targets(domain));
    } catch (err) {
      if (err instanceof RouteError)
        return all(err.permanent ? 'permanent' : 'temporary', err.code, err.message);
      return all('temporary', 451, `4.4.3 ${(err as Error).message}`);
    }
    let last = { code: 451, text: `4.4.1 No answer from any mail server of ${domain}` };
    for (const t of targets) {
      let ips: string[];
      try {
        ips = await this.#addresses(t.host);
      } catch (err) {
        last = {
          code: 451,
          text: `4.4.3 DNS lookup of ${t.host} failed (${(err as { code?: string }).code ?? 'error'})`,
        };
        continue;
      }
      if (!ips.length) last = { code: 451, text: `4.4.3 ${t.host} has no usable address` };
      for (const ip of ips) {
        let conn: { pooled: Pooled; key: string };
        try {
          conn = await this.#connect(ip, t);
        } catch (err) {
          const e = err as SmtpReplyError;
          last = {
            code: e.code && e.code !== 421 ? e.code : 451,
            text: `4.4.1 ${t.host} [${ip}]: ${e.message}`,
          };
          // A refused login at the smarthost, or a verified TLS that fails, is not solved by another address.
          if (e.code >= 500) return all('permanent', e.code, `${t.host} [${ip}]: ${e.message}`, t.host);
          this.#o.log.info('outbound.connect_failed', { host: t.host, ip, err: e.message });
          continue;
        }
        try {
          const r = await conn.pooled.client.send({ from: envelope.from, to: envelope.to }, raw);
          conn.pooled.sent++;
          this.#release(conn.key, conn.pooled);
          const rejected = new Map(r.rejected.map((x) => [x.address.toLowerCase(), x]));
          return envelope.to.map((address) => {
            const rj = rejected.get(address.toLowerCase());
            if (!rj) return { address, status: 'sent' as const, code: 250, text: r.response, mx: t.host };
            return {
              address,
              status: rj.code >= 500 ? ('permanent' as const) : ('temporary' as const),
              code: rj.code,
              text: rj.text,
              mx: t.host,
            };
          });
        } catch (err) {
          conn.pooled.client.close();
          const e = err as SmtpReplyError;
          if (e.code && e.code !== 421)
            return all(e.permanent ? 'permanent' : 'temporary', e.code, e.message, t.host);
          last = { code: 451, text: `4.4.2 ${t.host} [${ip}]: ${e.message}` };
        }
      }
    }
    return all('temporary', last.code, last.text);
  }

  close(): void {
    for (const list of this.#idle.values())
      for (const p of list) {
        clearTimeout(p.timer);
        p.client.close();
      }
    this.#idle.clear();
  }
}
