// Stores one SMTP message in a single pass over the DATA stream: sealed into the spool of every
// local mailbox (domain Delivery) and, for remote recipients and forwarding aliases, into the
// outbound queue. Resolves only when every copy is durable; then SMTP may answer 250.
// On failure nothing is kept (partial files are removed) and the error goes back to the client.
import type { AcceptedRecipient } from '../../domain/delivery.ts';
import { DomainError } from '../../domain/errors.ts';
import type { MailCore } from '../../domain/mail-core.ts';
import type { MailNotifier } from '../../domain/mail-notifier.ts';
import type { Logger } from '../../log/logger.ts';
import type { OutboundQueue, QueueWriter } from '../../queue/outbound-queue.ts';

export interface IngestDeps {
  core: MailCore;
  outbound: OutboundQueue;
  notifier?: MailNotifier;
  log: Logger;
}

export interface IngestInput {
  mailFrom: string;
  /** Local recipients as resolved at RCPT time. */
  local: readonly AcceptedRecipient[];
  /** Remote recipients (submission only). */
  remote: readonly string[];
  origin: 'mx' | 'submission';
  submittedBy?: string;
  remoteAddress?: string;
  maxBytes: number;
  message: AsyncIterable<Uint8Array>;
  /** Local mailboxes that get this message in their Junk folder (MX spam verdict). */
  junkMailboxes?: ReadonlySet<string>;
}

export interface IngestResult {
  spooled: Array<{ mailboxId: string; spoolId: string }>;
  queued?: string;
  bytes: number;
}

export async function ingest(deps: IngestDeps, input: IngestInput): Promise<IngestResult> {
  const receivedAt = Date.now();
  const outboundRcpts = [
    ...new Set(
      [...input.remote, ...input.local.flatMap((a) => a.resolution.forwards)].map((a) => a.toLowerCase()),
    ),
  ];
  let writer: QueueWriter | undefined;
  if (outboundRcpts.length) {
    writer = await deps.outbound.begin({
      mailFrom: input.mailFrom,
      rcptTo: outboundRcpts,
      receivedAt,
      origin: input.origin === 'submission' ? 'submission' : 'forward',
      ...(input.submittedBy ? { submittedBy: input.submittedBy } : {}),
      ...(input.remoteAddress ? { remoteAddress: input.remoteAddress } : {}),
    });
  }
  let bytes = 0;
  const w = writer;
  async function* tee(): AsyncGenerator<Uint8Array> {
    for await (const chunk of input.message) {
      bytes += chunk.byteLength;
      if (bytes > input.maxBytes) throw new DomainError('TOO_LARGE', 'message exceeds the size limit');
      if (w) await w.write(chunk);
      yield chunk;
    }
  }
  const source = tee();
  try {
    let spooled: IngestResult['spooled'] = [];
    if (input.local.some((a) => a.resolution.mailboxes.length)) {
      const r = await deps.core.delivery.deliver(input.local, source, {
        mailFrom: input.mailFrom,
        receivedAt,
        remoteAddress: input.remoteAddress,
        ...(input.junkMailboxes?.size ? { junkMailboxes: input.junkMailboxes } : {}),
      });
      spooled = r.spooled;
    }
    // Whatever the spool did not read (no local mailbox) still has to reach the queue.
    for await (const _ of source);
    let queued: string | undefined;
    if (writer) {
      try {
        queued = await writer.commit();
      } catch (err) {
        // The local copies are durable already; the client will retry the whole message, so
        // local recipients may see it twice (at-least-once), never zero times.
        deps.log.warn('smtp.queue_commit_failed', { spooled: spooled.length, err });
        throw err;
      }
    }
    if (deps.notifier) {
      for (const mailboxId of new Set(spooled.map((s) => s.mailboxId))) {
        deps.notifier
          .newMail(mailboxId)
          .catch((err: unknown) => deps.log.warn('smtp.notify_failed', { mailboxId, err }));
      }
    }
    return { spooled, ...(queued ? { queued } : {}), bytes };
  } catch (err) {
    await writer?.abort();
    throw err;
  }
}
