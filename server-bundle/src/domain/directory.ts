// Who receives mail for an address: mailboxes, aliases, plus-addressing (user+tag@) and the
// domain's catch-all, in that order of precedence. SMTP asks this at RCPT time.
import type { ConfigStore, MailboxRecord } from '../storage/config-store.ts';
import { splitAddress } from '../storage/config-store.ts';
import { DomainError } from './errors.ts';

export interface Resolution {
  /** Local mailboxes to deliver to (deduplicated). */
  mailboxes: MailboxRecord[];
  /** Remote addresses an alias forwards to (handled by the outbound queue). */
  forwards: string[];
}

const MAX_DEPTH = 8;

export function normalizeAddress(input: string): string {
  const a = input.trim().replace(/^<|>$/g, '');
  const { local, domain } = splitAddress(a);
  return `${local}@${domain}`;
}

export function isLocalDomain(config: ConfigStore, address: string): boolean {
  try {
    return config.getDomain(splitAddress(normalizeAddress(address)).domain) !== undefined;
  } catch {
    return false;
  }
}

export function resolveRecipient(config: ConfigStore, address: string): Resolution {
  let norm: string;
  try {
    norm = normalizeAddress(address);
  } catch {
    throw new DomainError('NO_SUCH_RECIPIENT', `invalid address ${address}`);
  }
  if (!isLocalDomain(config, norm))
    throw new DomainError('NOT_LOCAL', `${splitAddress(norm).domain} is not a local domain`);
  const out: Resolution = { mailboxes: [], forwards: [] };
  const seen = new Set<string>();
  const expand = (addr: string, depth: number): boolean => {
    const key = addr.toLowerCase();
    if (seen.has(key)) return true;
    seen.add(key);
    if (!isLocalDomain(config, addr)) {
      out.forwards.push(addr);
      return true;
    }
    if (depth > MAX_DEPTH) return false;
    const { local, domain } = splitAddress(addr);
    const plus = local.indexOf('+');
    const candidates = plus > 0 ? [local, local.slice(0, plus)] : [local];
    for (const l of candidates) {
      const m = config.findMailbox(`${l}@${domain}`);
      if (m) {
        if (m.state !== 'active') throw new DomainError('DISABLED', `mailbox ${m.address} is disabled`);
        if (!out.mailboxes.some((x) => x.id === m.id)) out.mailboxes.push(m);
        return true;
      }
      const alias = config.getAlias(`${l}@${domain}`);
      if (alias) return alias.destinations.map((d) => expand(normalizeAddress(d), depth + 1)).some(Boolean);
    }
    const catchAll = config.getAlias(`*@${domain}`);
    if (catchAll)
      return catchAll.destinations.map((d) => expand(normalizeAddress(d), depth + 1)).some(Boolean);
    return false;
  };
  if (!expand(norm, 0) || (!out.mailboxes.length && !out.forwards.length)) {
    throw new DomainError('NO_SUCH_RECIPIENT', `no mailbox here for ${norm}`);
  }
  return out;
}
