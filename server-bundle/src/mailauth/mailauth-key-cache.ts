// Part of the mailauth adapter (imported by it before mailauth itself): a process-wide cache of
// parsed DKIM/ARC public keys. mailauth looks keys up through tools.createKeyCache(), one cache per
// message, so every message re-parses and re-checks the same key (≈ 0.4 ms per signature: a third of
// the MX role's verification cost). The wrapper below keeps each successful lookup for KEY_TTL_MS
// across messages; failures are never kept. It replaces the `createKeyCache` export of
// mailauth/lib/tools.js before mailauth's verifiers load (they take it by destructuring at load
// time). Pinned to mailauth 7.1.0's internals: `keyCacheInstalled` says whether it applied, and a
// test fails if an upgrade makes it a no-op.
import { createRequire } from 'node:module';

const KEY_TTL_MS = 60_000;
const MAX_KEYS = 2_000;

type KeyCache = {
  resolver: unknown;
  get(
    type: string,
    name: string,
    minBitLength: number | undefined,
    options?: { strict?: boolean; hashAlgo?: string },
  ): Promise<unknown>;
};

const shared = new Map<string, { until: number; lookup: Promise<unknown> }>();
let hits = 0;

function install(): boolean {
  const require = createRequire(import.meta.url);
  let tools: { createKeyCache?: (resolver: unknown) => KeyCache };
  try {
    tools = require('mailauth/lib/tools.js') as typeof tools;
  } catch {
    return false;
  }
  const original = tools.createKeyCache;
  if (typeof original !== 'function') return false;
  tools.createKeyCache = (resolver: unknown): KeyCache => {
    const perMessage = original(resolver);
    return {
      resolver: perMessage.resolver,
      get(type, name, minBitLength, options = {}) {
        const key = [
          type,
          !!options.strict,
          minBitLength ?? '',
          options.hashAlgo ?? '',
          name.toLowerCase(),
        ].join('|');
        const now = Date.now();
        const hit = shared.get(key);
        if (hit && hit.until > now) {
          hits++;
          return hit.lookup;
        }
        const lookup = perMessage.get(type, name, minBitLength, options);
        if (shared.size >= MAX_KEYS) shared.clear();
        shared.set(key, { until: now + KEY_TTL_MS, lookup });
        // A failed lookup (no key, DNS trouble) is asked again next time.
        lookup.catch(() => shared.delete(key));
        return lookup;
      },
    };
  };
  return true;
}

export const keyCacheInstalled = install();

/** Lookups served from the shared cache so far (tests). */
export function keyCacheHits(): number {
  return hits;
}
