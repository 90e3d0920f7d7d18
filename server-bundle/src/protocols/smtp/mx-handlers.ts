// MX (port 25): mail from the internet for local domains. No AUTH here; any non-local recipient is
// a relay attempt (554). Recipients are resolved at RCPT time (unknown -> 550, no backscatter).
import type { AcceptedRecipient } from '../../domain/delivery.ts';
import { ingest, type IngestDeps } from './ingest.ts';
import { isPlausibleAddress } from './address-syntax.ts';
import type { SmtpHandlers } from './smtp-server-adapter.ts';
import { Refusals, toSmtpError } from './smtp-errors.ts';
import { transactionId } from './smtp-server-adapter.ts';

export function createMxHandlers(deps: IngestDeps, opts: { maxMessageBytes: number }): SmtpHandlers<AcceptedRecipient> {
  const { core, log } = deps;
  return {
    translate: (err, stage) => toSmtpError(err, { stage, role: 'mx' }),

    async onMailFrom(_s, from) {
      // The null sender (bounces) is legitimate here.
      if (from.address !== '' && !isPlausibleAddress(from.address)) throw Refusals.badSender();
    },

    async onRcptTo(s, to) {
      if (!isPlausibleAddress(to.address)) throw Refusals.badRecipient();
      return core.delivery.checkRecipient(to.address, s.declaredSize);
    },

    async onData(s, message, recipients) {
      const tx = transactionId();
      const r = await ingest(deps, {
        mailFrom: s.mailFrom?.address ?? '',
        local: recipients.map((r) => r.data),
        remote: [],
        origin: 'mx',
        remoteAddress: s.remoteAddress,
        maxBytes: opts.maxMessageBytes,
        message,
      });
      log.info('smtp.accepted', { role: 'mx', session: s.id, tx, bytes: r.bytes, mailboxes: r.spooled.length, queued: !!r.queued });
      log.debug('smtp.stored', { tx, spoolIds: r.spooled.map((x) => x.spoolId), queueId: r.queued });
      return `OK: message accepted ${tx}`;
    },
  };
}
