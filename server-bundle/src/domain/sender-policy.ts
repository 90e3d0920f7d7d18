// Which envelope senders an authenticated user may use (submission): their own address, its
// plus-addressed forms (user+tag@), and any alias that delivers to their mailbox. A domain's
// catch-all does NOT make every address of the domain theirs.
import type { ConfigStore } from '../storage/config-store.ts';
import { splitAddress } from '../storage/config-store.ts';
import { normalizeAddress, resolveRecipient } from './directory.ts';

export function senderBelongsTo(config: ConfigStore, mailboxId: string, sender: string): boolean {
  let norm: string;
  try {
    norm = normalizeAddress(sender);
  } catch {
    return false;
  }
  const { local, domain } = splitAddress(norm);
  const plus = local.indexOf('+');
  const candidates = plus > 0 ? [local, local.slice(0, plus)] : [local];
  for (const l of candidates) {
    const addr = `${l}@${domain}`;
    const m = config.findMailbox(addr);
    if (m) return m.id === mailboxId;
    if (config.getAlias(addr)) {
      try {
        return resolveRecipient(config, addr).mailboxes.some((x) => x.id === mailboxId);
      } catch {
        return false;
      }
    }
  }
  return false;
}
