// Inbound delivery (MX, and submission to local recipients): resolve recipients at RCPT time,
// check size and quota, then seal the message to each mailbox's public key in the durable spool.
// No mailbox key is needed here: SMTP never can read what it stores.
import { parsePublicKey, type HybridPublicKey } from '../crypto/hybrid-kem.ts';
import type { ConfigStore, MailboxRecord } from '../storage/config-store.ts';
import type { Spool, SpoolRecipient } from '../storage/spool.ts';
import { resolveRecipient, type Resolution } from './directory.ts';
import { DomainError } from './errors.ts';

export interface DeliveryOptions {
  /** Largest message accepted (SMTP SIZE), bytes. Default 50 MB. */
  maxMessageBytes?: number;
}

export interface AcceptedRecipient {
  rcptTo: string;
  resolution: Resolution;
}

export const DEFAULT_MAX_MESSAGE_BYTES = 50 * 1024 * 1024;

export class Delivery {
  readonly #config: ConfigStore;
  readonly #spool: Spool;
  readonly maxMessageBytes: number;
  /** Parsed mailbox public keys (importing ML-KEM + X25519 keys costs more than sealing 10 KB). */
  readonly #keys = new Map<string, { bytes: Buffer; key: HybridPublicKey }>();

  constructor(config: ConfigStore, spool: Spool, opts: DeliveryOptions = {}) {
    this.#config = config;
    this.#spool = spool;
    this.maxMessageBytes = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  }

  /** RCPT TO: throws DomainError NOT_LOCAL / NO_SUCH_RECIPIENT / DISABLED / OVER_QUOTA. */
  async checkRecipient(rcptTo: string, declaredSize = 0): Promise<AcceptedRecipient> {
    if (declaredSize > this.maxMessageBytes)
      throw new DomainError('TOO_LARGE', 'message exceeds the size limit');
    const resolution = resolveRecipient(this.#config, rcptTo);
    for (const m of resolution.mailboxes) await this.#checkQuota(m, declaredSize);
    return { rcptTo, resolution };
  }

  #publicKey(m: MailboxRecord): HybridPublicKey {
    const hit = this.#keys.get(m.id);
    if (hit && hit.bytes.equals(m.publicKey)) return hit.key;
    if (this.#keys.size >= 10_000) this.#keys.clear();
    const key = parsePublicKey(m.publicKey);
    this.#keys.set(m.id, { bytes: Buffer.from(m.publicKey), key });
    return key;
  }

  async #checkQuota(m: MailboxRecord, size: number): Promise<void> {
    if (m.quotaBytes == null) return;
    if (size > m.quotaBytes) throw new DomainError('OVER_QUOTA', 'message larger than the mailbox quota');
    const used = m.usedBytes + (await this.#spool.pendingBytes(m.id));
    if (used + size > m.quotaBytes) throw new DomainError('OVER_QUOTA', 'mailbox is full');
  }

  /**
   * DATA: seals the message into every recipient mailbox's spool. When this resolves, the message
   * is durable (answer 250); when it throws, nothing was kept (answer 451 / 552).
   * Returns the spool ids per mailbox; forwards are returned for the outbound queue.
   */
  async deliver(
    accepted: readonly AcceptedRecipient[],
    source: Uint8Array | AsyncIterable<Uint8Array>,
    envelope: {
      mailFrom: string;
      receivedAt?: number;
      remoteAddress?: string;
      junkMailboxes?: ReadonlySet<string>;
    },
  ): Promise<{ spooled: Array<{ mailboxId: string; spoolId: string }>; forwards: string[] }> {
    const recipients: SpoolRecipient[] = [];
    const forwards = new Set<string>();
    for (const a of accepted) {
      for (const m of a.resolution.mailboxes) {
        if (!recipients.some((r) => r.mailboxId === m.id)) {
          recipients.push({
            mailboxId: m.id,
            publicKey: this.#publicKey(m),
            rcptTo: a.rcptTo,
            ...(envelope.junkMailboxes?.has(m.id) ? { folder: 'junk' as const } : {}),
          });
        }
      }
      for (const f of a.resolution.forwards) forwards.add(f);
    }
    let size = 0;
    const limit = this.maxMessageBytes;
    async function* limited(): AsyncGenerator<Uint8Array> {
      const it = source instanceof Uint8Array ? [source] : source;
      for await (const c of it) {
        size += c.byteLength;
        if (size > limit) throw new DomainError('TOO_LARGE', 'message exceeds the size limit');
        yield c;
      }
    }
    const ids = await this.#spool.deliver(recipients, limited(), {
      mailFrom: envelope.mailFrom,
      receivedAt: envelope.receivedAt ?? Date.now(),
      remoteAddress: envelope.remoteAddress,
    });
    return {
      spooled: recipients.map((r, i) => ({ mailboxId: r.mailboxId, spoolId: ids[i]! })),
      forwards: [...forwards],
    };
  }
}
