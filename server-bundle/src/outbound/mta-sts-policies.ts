// MTA-STS (RFC 8461) for outbound delivery: is the destination's policy "enforce", and which MX
// hosts does it allow? The _mta-sts TXT record says whether a policy exists and its id; the
// policy itself comes over HTTPS (certificate verified) from mta-sts.<domain>, and is cached until
// max_age or until the record's id changes. A failed fetch keeps using an unexpired cached policy
// (RFC 8461 §5.1); without one, delivery proceeds as if there were no policy.
import { request } from 'node:https';
import type { LookupFunction } from 'node:net';
import {
  mtaStsRecordId,
  parseMtaStsPolicy,
  mxMatchesPolicy,
  type StsPolicy,
} from '../mailauth/mailauth-adapter.ts';
import type { DnsResolver } from '../net/dns-resolver.ts';
import type { Logger } from '../log/logger.ts';

export type { StsPolicy };

export interface MtaStsOptions {
  resolver: DnsResolver;
  /** 443 in production; tests point it at the web role's offset port. */
  httpsPort: number;
  fetchTimeoutMs: number;
  ca?: string;
  log: Logger;
  now?: () => number;
}

const MAX_POLICY_BYTES = 64 * 1024;

export class MtaStsPolicies {
  readonly #o: MtaStsOptions;
  readonly #cache = new Map<string, { policy: StsPolicy; expiresAt: number }>();

  constructor(o: MtaStsOptions) {
    this.#o = o;
  }

  /** The policy in force for `domain`, or undefined (none published, or mode none). */
  async policyFor(domain: string): Promise<StsPolicy | undefined> {
    const now = (this.#o.now ?? Date.now)();
    const cached = this.#cache.get(domain);
    const valid = cached && cached.expiresAt > now ? cached.policy : undefined;
    let id: string | undefined;
    try {
      id = await mtaStsRecordId(domain, this.#o.resolver.lookup);
    } catch (err) {
      this.#o.log.warn('outbound.mta_sts_dns_failed', { domain, err });
      return valid;
    }
    if (!id) return valid; // RFC 8461 §5.1: a cached policy stays in force when the record disappears
    if (valid && valid.id === id) return valid.mode === 'none' ? undefined : valid;
    try {
      const text = await this.#fetch(domain);
      const policy = parseMtaStsPolicy(text, id);
      this.#cache.set(domain, { policy, expiresAt: now + policy.maxAgeSeconds * 1000 });
      this.#o.log.info('outbound.mta_sts_policy', { domain, mode: policy.mode, mx: policy.mx });
      return policy.mode === 'none' ? undefined : policy;
    } catch (err) {
      this.#o.log.warn('outbound.mta_sts_fetch_failed', { domain, err });
      return valid;
    }
  }

  static allows(policy: StsPolicy, mxHost: string): boolean {
    return mxMatchesPolicy(mxHost, policy);
  }

  #fetch(domain: string): Promise<string> {
    const host = `mta-sts.${domain}`;
    const resolver = this.#o.resolver;
    const lookup: LookupFunction = (hostname, options, cb) => {
      resolver.addresses(hostname).then(
        (addrs) => {
          if (!addrs.length)
            return cb(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 4);
          const list = addrs.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
          if ((options as { all?: boolean }).all)
            return (cb as unknown as (e: null, a: typeof list) => void)(null, list);
          cb(null, list[0]!.address, list[0]!.family);
        },
        (err: NodeJS.ErrnoException) => cb(err, '', 4),
      );
    };
    return new Promise<string>((resolve, reject) => {
      const req = request(
        {
          host,
          port: this.#o.httpsPort,
          path: '/.well-known/mta-sts.txt',
          method: 'GET',
          servername: host,
          lookup,
          rejectUnauthorized: true,
          ...(this.#o.ca ? { ca: this.#o.ca } : {}),
          timeout: this.#o.fetchTimeoutMs,
          headers: { Host: host, 'User-Agent': 'facteur-mta-sts' },
        },
        (res) => {
          if (res.statusCode !== 200) {
            res.resume();
            return reject(new Error(`policy fetch answered HTTP ${res.statusCode}`));
          }
          const parts: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_POLICY_BYTES) {
              req.destroy(new Error('policy too large'));
              return;
            }
            parts.push(c);
          });
          res.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error('policy fetch timed out')));
      req.on('error', reject);
      req.end();
    });
  }
}
