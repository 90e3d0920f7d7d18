// Which names the server's one certificate covers: the mail host names, then <prefix>.<domain> for
// every domain served (mta-sts.example.org for the MTA-STS policy, autoconfig.example.org for
// Thunderbird; an owner whose DNS also has autodiscover.<domain> adds that prefix).
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';

export interface NameSources {
  /** Mail host names (config.hostname first). */
  hostNames: readonly string[];
  domains: readonly string[];
  domainPrefixes: readonly string[];
  extraNames?: readonly string[];
}

const DNS_NAME = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/;

/** A public CA can only certify real DNS names: not IPs, not "localhost", not single labels. */
export function isCertifiableName(name: string): boolean {
  return !isIP(name) && DNS_NAME.test(name) && !name.endsWith('.localhost') && !name.endsWith('.local');
}

export function certificateNames(src: NameSources): string[] {
  const out: string[] = [];
  const add = (n: string) => {
    const name = n.trim().toLowerCase().replace(/\.$/, '');
    if (isCertifiableName(name) && !out.includes(name)) out.push(name);
  };
  src.hostNames.forEach(add);
  for (const d of src.domains) for (const p of src.domainPrefixes) add(`${p}.${d}`);
  src.extraNames?.forEach(add);
  return out;
}

/** Names of `wanted` the PEM certificate (leaf first) does not cover. */
export function uncoveredNames(certPem: string, wanted: readonly string[]): string[] {
  const end = certPem.indexOf('-----END CERTIFICATE-----');
  const leaf = new X509Certificate(certPem.slice(0, end + 25));
  return wanted.filter((n) => leaf.checkHost(n, { wildcards: true, partialWildcards: false }) === undefined);
}
