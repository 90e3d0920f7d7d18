// Submission (587 with STARTTLS, 465 with implicit TLS): authenticated users sending mail.
// AUTH (PLAIN, LOGIN) is offered only over TLS and required before MAIL; failed logins count in
// the shared login throttle; the envelope sender must be the user's (or an alias of theirs).
// Local recipients go to the spool, others to the outbound queue.
import type { AcceptedRecipient } from '../../domain/delivery.ts';
import { isLocalDomain, normalizeAddress } from '../../domain/directory.ts';
import { DomainError } from '../../domain/errors.ts';
import { senderBelongsTo } from '../../domain/sender-policy.ts';
import type { LoginThrottle } from '../../security/login-throttle.ts';
import { isPlausibleAddress } from './address-syntax.ts';
import { ingest, type IngestDeps } from './ingest.ts';
import { transactionId, type SmtpHandlers } from './smtp-server-adapter.ts';
import { Refusals, toSmtpError } from './smtp-errors.ts';

export type SubmissionRecipient =
  { kind: 'local'; accepted: AcceptedRecipient } | { kind: 'remote'; address: string };

export interface SubmissionDeps extends IngestDeps {
  throttle: LoginThrottle;
  /** Per-user sending limits: throws PolicyRefusal SENDING_LIMIT (checked at each MAIL FROM). */
  sendingLimits?: { check(mailboxId: string): Promise<void> };
}

export function createSubmissionHandlers(
  deps: SubmissionDeps,
  opts: { maxMessageBytes: number },
): SmtpHandlers<SubmissionRecipient> {
  const { core, throttle, log } = deps;
  return {
    translate: (err, stage) => toSmtpError(err, { stage, role: 'submission' }),

    async onConnect(s) {
      await throttle.assertAllowed(s.remoteAddress);
      // Port 587 before STARTTLS: AUTH is neither offered nor accepted.
      if (!s.secure) s.setAuthHidden(true);
    },

    async onSecure(s) {
      s.setAuthHidden(false);
    },

    async onAuth(s, method, username, password) {
      if (!s.secure) throw Refusals.tlsRequired();
      await throttle.assertAllowed(s.remoteAddress);
      try {
        const { mailbox, key } = await core.accounts.login(username, password);
        key.fill(0); // submission never needs K: local delivery seals to the public key
        await throttle.recordSuccess(s.remoteAddress);
        log.info('smtp.auth', { session: s.id, method, result: 'ok', mailboxId: mailbox.id });
        return { mailboxId: mailbox.id, address: mailbox.address };
      } catch (err) {
        if (err instanceof DomainError && (err.code === 'AUTH_FAILED' || err.code === 'DISABLED')) {
          const t = await throttle.recordFailure(s.remoteAddress);
          log.info('smtp.auth', {
            session: s.id,
            method,
            result: 'failed',
            remote: s.remoteAddress,
            blocked: t.blocked,
          });
        }
        throw err;
      }
    },

    async onMailFrom(s, from) {
      if (!s.user) throw s.secure ? Refusals.authRequired() : Refusals.tlsRequired();
      if (!from.address || !isPlausibleAddress(from.address)) throw Refusals.senderNotOwned();
      if (!senderBelongsTo(core.config, s.user.mailboxId, from.address)) {
        log.info('smtp.sender_refused', { session: s.id, mailboxId: s.user.mailboxId });
        throw Refusals.senderNotOwned();
      }
      await deps.sendingLimits?.check(s.user.mailboxId);
    },

    async onRcptTo(s, to) {
      if (!isPlausibleAddress(to.address)) throw Refusals.badRecipient();
      if (isLocalDomain(core.config, to.address)) {
        return { kind: 'local', accepted: await core.delivery.checkRecipient(to.address, s.declaredSize) };
      }
      return { kind: 'remote', address: normalizeAddress(to.address) };
    },

    async onData(s, message, recipients) {
      const tx = transactionId();
      const local: AcceptedRecipient[] = [];
      const remote: string[] = [];
      for (const r of recipients) {
        if (r.data.kind === 'local') local.push(r.data.accepted);
        else remote.push(r.data.address);
      }
      const r = await ingest(deps, {
        mailFrom: normalizeAddress(s.mailFrom!.address),
        local,
        remote,
        origin: 'submission',
        submittedBy: s.user!.mailboxId,
        remoteAddress: s.remoteAddress,
        maxBytes: opts.maxMessageBytes,
        message,
      });
      log.info('smtp.accepted', {
        role: 'submission',
        session: s.id,
        tx,
        bytes: r.bytes,
        mailboxes: r.spooled.length,
        queued: !!r.queued,
      });
      log.debug('smtp.stored', { tx, spoolIds: r.spooled.map((x) => x.spoolId), queueId: r.queued });
      return `OK: message accepted ${tx}`;
    },
  };
}
