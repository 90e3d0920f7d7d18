// Per-mailbox spam preferences, kept in the (server-key encrypted) config database so the MX role
// can apply them without any mailbox key: the Junk threshold, and senders the owner trusts (their
// mail never goes to Junk, as long as it is not a DMARC failure: a forged From: earns no trust).
//   settings key "spam:<mailboxId>" -> {"threshold": 5, "trusted": ["alice@example.org", "@example.net"]}
// A trusted entry is an address, or "@domain" for a whole domain.
import type { ConfigStore } from '../storage/config-store.ts';

export interface SpamPrefs {
  threshold?: number;
  trusted: string[];
}

const key = (mailboxId: string) => `spam:${mailboxId}`;

/** Most trusted entries one mailbox keeps (each message checks them all). */
export const MAX_TRUSTED_SENDERS = 500;

const LOCAL_RE = /^[^\s@<>()[\],;:"\\]{1,64}$/;
const LABEL_RE = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

function validDomain(d: string): boolean {
  const labels = d.split('.');
  return d.length <= 253 && labels.length >= 2 && labels.every((l) => LABEL_RE.test(l));
}

/**
 * A trusted-sender entry in its stored form (lower case): "name@example.org" or "@example.org".
 * undefined when it is neither.
 */
export function normalizeTrustedSender(input: string): string | undefined {
  const s = input.trim().toLowerCase().replace(/\.$/, '');
  const at = s.lastIndexOf('@');
  if (at < 0) return undefined;
  const local = s.slice(0, at);
  const domain = s.slice(at + 1);
  if (!validDomain(domain)) return undefined;
  if (local === '') return `@${domain}`;
  return LOCAL_RE.test(local) ? `${local}@${domain}` : undefined;
}

export class SpamPreferences {
  readonly #config: ConfigStore;

  constructor(config: ConfigStore) {
    this.#config = config;
  }

  get(mailboxId: string): SpamPrefs {
    const raw = this.#config.getSetting(key(mailboxId));
    if (!raw) return { trusted: [] };
    try {
      const p = JSON.parse(raw) as Partial<SpamPrefs>;
      return {
        ...(typeof p.threshold === 'number' ? { threshold: p.threshold } : {}),
        trusted: Array.isArray(p.trusted) ? p.trusted : [],
      };
    } catch {
      return { trusted: [] };
    }
  }

  #put(mailboxId: string, p: SpamPrefs): void {
    this.#config.setSetting(key(mailboxId), JSON.stringify(p));
  }

  /** null restores the server default. */
  setThreshold(mailboxId: string, threshold: number | null): void {
    const p = this.get(mailboxId);
    if (threshold === null) delete p.threshold;
    else p.threshold = threshold;
    this.#put(mailboxId, p);
  }

  /**
   * Replaces what is given (threshold null = the server default; trusted: the whole list, already
   * normalized) and keeps the rest.
   */
  update(mailboxId: string, change: { threshold?: number | null; trusted?: readonly string[] }): SpamPrefs {
    const p = this.get(mailboxId);
    if (change.threshold === null) delete p.threshold;
    else if (change.threshold !== undefined) p.threshold = change.threshold;
    if (change.trusted) p.trusted = [...new Set(change.trusted)];
    this.#put(mailboxId, p);
    return p;
  }

  trust(mailboxId: string, sender: string): void {
    const p = this.get(mailboxId);
    const s = sender.trim().toLowerCase();
    if (!p.trusted.includes(s)) p.trusted.push(s);
    this.#put(mailboxId, p);
  }

  untrust(mailboxId: string, sender: string): void {
    const p = this.get(mailboxId);
    p.trusted = p.trusted.filter((t) => t !== sender.trim().toLowerCase());
    this.#put(mailboxId, p);
  }

  isTrusted(prefs: SpamPrefs, fromAddress: string | undefined): boolean {
    if (!fromAddress) return false;
    const a = fromAddress.toLowerCase();
    const domain = a.slice(a.lastIndexOf('@'));
    return prefs.trusted.some((t) => t === a || t === domain);
  }
}
