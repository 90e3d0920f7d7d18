// Tells the envelope sender what became of a message: a bounce (RFC 3464, action failed) or a
// delay notice (action delayed). A local sender gets it in their INBOX through the domain layer
// (sealed into the spool like any inbound mail, no mailbox key needed); a remote sender (a
// forwarded message) gets it through the outbound queue with the null sender. The null sender
// itself is never notified (no bounces of bounces).
import { isLocalDomain } from '../domain/directory.ts';
import type { MailCore } from '../domain/mail-core.ts';
import type { MailNotifier } from '../domain/mail-notifier.ts';
import type { Logger } from '../log/logger.ts';
import type { OutboundQueue } from '../queue/outbound-queue.ts';
import { buildDsn, type DsnRecipient } from './dsn.ts';

export interface SenderNoticesDeps {
  core: MailCore;
  queue: OutboundQueue;
  notifier?: MailNotifier;
  reportingMta: string;
  log: Logger;
}

export class SenderNotices {
  readonly #d: SenderNoticesDeps;

  constructor(d: SenderNoticesDeps) {
    this.#d = d;
  }

  /** Durable when it resolves (spooled or queued); returns where it went. */
  async send(
    sender: string,
    input: {
      queuedAt: number;
      recipients: readonly DsnRecipient[];
      originalRaw: Buffer;
      retryUntil?: number;
    },
  ): Promise<'none' | 'local' | 'queued' | 'dropped'> {
    const { core, log } = this.#d;
    if (!sender || !input.recipients.length) return 'none';
    const dsn = buildDsn({ reportingMta: this.#d.reportingMta, to: sender, ...input });
    if (isLocalDomain(core.config, sender)) {
      let accepted;
      try {
        accepted = await core.delivery.checkRecipient(sender, dsn.length);
      } catch (err) {
        log.warn('outbound.notice_undeliverable', { err });
        return 'dropped';
      }
      const r = await core.delivery.deliver([accepted], dsn, { mailFrom: '' });
      for (const s of r.spooled) this.#d.notifier?.newMail(s.mailboxId).catch(() => undefined);
      if (r.forwards.length) {
        await this.#d.queue.enqueue(
          { mailFrom: '', rcptTo: r.forwards, receivedAt: Date.now(), origin: 'forward', notice: true },
          dsn,
        );
      }
      return 'local';
    }
    await this.#d.queue.enqueue(
      { mailFrom: '', rcptTo: [sender], receivedAt: Date.now(), origin: 'forward', notice: true },
      dsn,
    );
    return 'queued';
  }
}
