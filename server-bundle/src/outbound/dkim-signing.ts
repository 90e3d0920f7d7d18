// DKIM signatures for mail leaving this server: the active RSA-2048 and Ed25519 keys of the
// author's domain (From:), or of the envelope sender's domain when From: is not ours, signed side
// by side (RFC 8463, dkim-signer.ts). Keys come from the control API's DkimKeyStore (<dataDir>/dkim), cached
// briefly so a rotation applies within a minute without reading PEM files for every message.
import { createPrivateKey } from 'node:crypto';
import type { DkimKeyStore } from '../dkim/dkim-keys.ts';
import { dkimSign, type DkimKey } from './dkim-signer.ts';
import type { Logger } from '../log/logger.ts';

const CACHE_MS = 60_000;

/** The address domain of the first From: header (lower case), if any. */
export function fromHeaderDomain(raw: Buffer): string | undefined {
  const head = raw.subarray(0, 64 * 1024).toString('latin1');
  const end = head.search(/\r?\n\r?\n/);
  const block = end >= 0 ? head.slice(0, end) : head;
  const m = /^from:[ \t]*((?:.*)(?:\r?\n[ \t].*)*)/im.exec(block);
  if (!m) return undefined;
  const value = m[1]!.replace(/\r?\n[ \t]+/g, ' ');
  const angle = /<[^<>@]*@([^<>\s]+)>/.exec(value);
  const bare = /@([A-Za-z0-9.-]+)/.exec(value);
  return (angle?.[1] ?? bare?.[1])?.toLowerCase().replace(/\.$/, '');
}

export class DkimSigning {
  readonly #store: DkimKeyStore;
  readonly #log: Logger;
  readonly #cache = new Map<string, { at: number; keys: DkimKey[] }>();

  constructor(store: DkimKeyStore, log: Logger) {
    this.#store = store;
    this.#log = log;
  }

  async #keys(domain: string): Promise<DkimKey[]> {
    const hit = this.#cache.get(domain);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.keys;
    let keys: DkimKey[] = [];
    try {
      keys = (await this.#store.activeKeys(domain)).map((k) => ({
        domain,
        selector: k.selector,
        algorithm: k.algorithm,
        privateKey: createPrivateKey(k.privateKeyPem),
      }));
    } catch (err) {
      this.#log.warn('outbound.dkim_keys_unavailable', { domain, err });
    }
    this.#cache.set(domain, { at: Date.now(), keys });
    return keys;
  }

  /** DKIM-Signature fields to prepend ('' when neither candidate domain has keys). */
  async sign(
    raw: Buffer,
    envelopeFrom: string,
    isLocal: (domain: string) => boolean,
  ): Promise<{ headers: string; domain?: string }> {
    const candidates = [fromHeaderDomain(raw), envelopeFrom.split('@')[1]?.toLowerCase()].filter(
      (d): d is string => !!d && isLocal(d),
    );
    for (const domain of new Set(candidates)) {
      const keys = await this.#keys(domain);
      if (!keys.length) continue;
      return { headers: dkimSign(raw, keys), domain };
    }
    return { headers: '' };
  }
}
