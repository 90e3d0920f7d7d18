// MX (port 25): mail from the internet for local domains. No AUTH here; any non-local recipient is
// a relay attempt (554). Recipients are resolved at RCPT time (unknown -> 550, no backscatter).
// With inbound checks (internet-mail issue): connection limits and blocklists at connect, HELO and
// rate checks at MAIL, greylisting at RCPT, and at DATA SPF/DKIM/DMARC/ARC with an
// Authentication-Results header, the DMARC reject policy, and the spam score (Junk per mailbox).
// Checking needs the whole message before the reply, so it is read into memory first (bounded by
// the size limit) and then stored in one pass.
import type { AcceptedRecipient } from '../../domain/delivery.ts';
import { DomainError } from '../../domain/errors.ts';
import type { InboundChecks } from '../../inbound/inbound-checks.ts';
import type { SrsReverse } from '../../outbound/srs-recipients.ts';
import { ingest, type IngestDeps } from './ingest.ts';
import { isPlausibleAddress } from './address-syntax.ts';
import type { SmtpHandlers } from './smtp-server-adapter.ts';
import { Refusals, toSmtpError } from './smtp-errors.ts';
import { transactionId } from './smtp-server-adapter.ts';

export interface MxDeps extends IngestDeps {
  inbound?: InboundChecks;
  /** Bounces to our SRS addresses go back to the original sender of a forwarded message. */
  srs?: SrsReverse;
}

async function readAll(message: AsyncIterable<Uint8Array>, maxBytes: number): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const c of message) {
    size += c.byteLength;
    if (size > maxBytes) throw new DomainError('TOO_LARGE', 'message exceeds the size limit');
    parts.push(c);
  }
  return Buffer.concat(parts);
}

export function createMxHandlers(
  deps: MxDeps,
  opts: { maxMessageBytes: number },
): SmtpHandlers<AcceptedRecipient> {
  const { core, log, inbound, srs } = deps;
  return {
    translate: (err, stage) => toSmtpError(err, { stage, role: 'mx' }),

    ...(inbound
      ? {
          onConnect: (s) => inbound.connect(s),
          onClose: (s) => inbound.closed(s),
        }
      : {}),

    async onMailFrom(s, from) {
      // The null sender (bounces) is legitimate here.
      if (from.address !== '' && !isPlausibleAddress(from.address)) throw Refusals.badSender();
      await inbound?.mailFrom(s);
    },

    async onRcptTo(s, to) {
      if (!isPlausibleAddress(to.address)) throw Refusals.badRecipient();
      const srsTarget = srs?.resolve(to.address);
      const accepted = srsTarget ?? (await core.delivery.checkRecipient(to.address, s.declaredSize));
      await inbound?.rcpt(s, to.address);
      return accepted;
    },

    async onData(s, message, recipients) {
      const tx = transactionId();
      const local = recipients.map((r) => r.data);
      let source: AsyncIterable<Uint8Array> = message;
      let junkMailboxes: Set<string> | undefined;
      if (inbound) {
        const raw = await readAll(message, opts.maxMessageBytes);
        const verdict = await inbound.message(
          s,
          raw,
          local.flatMap((a) => a.resolution.mailboxes.map((m) => m.id)),
        );
        junkMailboxes = verdict.junk;
        source = (async function* () {
          yield verdict.headers;
          yield verdict.raw;
        })();
      }
      const r = await ingest(deps, {
        mailFrom: s.mailFrom?.address ?? '',
        local,
        remote: [],
        origin: 'mx',
        remoteAddress: s.remoteAddress,
        maxBytes: opts.maxMessageBytes + 64 * 1024,
        message: source,
        ...(junkMailboxes?.size ? { junkMailboxes } : {}),
      });
      log.info('smtp.accepted', {
        role: 'mx',
        session: s.id,
        tx,
        bytes: r.bytes,
        mailboxes: r.spooled.length,
        queued: !!r.queued,
        junk: junkMailboxes?.size ?? 0,
      });
      log.debug('smtp.stored', { tx, spoolIds: r.spooled.map((x) => x.spoolId), queueId: r.queued });
      return `OK: message accepted ${tx}`;
    },
  };
}
