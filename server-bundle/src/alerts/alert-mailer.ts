// Sends an alert email the way the outbound role sends bounces (sender-notices.ts): DKIM-signed
// with the From: domain's active keys, then a local owner address gets it sealed into the
// mailbox's spool through the domain layer (no mailbox key needed, as MX delivers), a remote one
// through the durable outbound queue with the null sender (no bounce of an alert comes back).
// Resolves once every copy is durable (spooled or queued).
import { isLocalDomain } from '../domain/directory.ts';
import type { MailCore } from '../domain/mail-core.ts';
import type { MailNotifier } from '../domain/mail-notifier.ts';
import type { DkimSigning } from '../outbound/dkim-signing.ts';
import type { OutboundQueue } from '../queue/outbound-queue.ts';

export interface AlertMailerDeps {
  core: MailCore;
  queue: OutboundQueue;
  notifier?: MailNotifier;
  dkim?: DkimSigning;
}

export class AlertMailer {
  readonly #d: AlertMailerDeps;

  constructor(d: AlertMailerDeps) {
    this.#d = d;
  }

  /** The From: address: postmaster of the first domain served (its DKIM keys sign), else of the host. */
  defaultFrom(hostname: string): string {
    const first = this.#d.core.config.listDomains()[0];
    return `postmaster@${first ? first.name : hostname}`;
  }

  async send(to: readonly string[], raw: Buffer): Promise<{ local: number; queued: number }> {
    const { core } = this.#d;
    let message = raw;
    if (this.#d.dkim) {
      const isLocal = (domain: string) => core.config.getDomain(domain) !== undefined;
      const sig = await this.#d.dkim.sign(raw, '', isLocal);
      if (sig.headers) message = Buffer.concat([Buffer.from(sig.headers), raw]);
    }
    const local = to.filter((a) => isLocalDomain(core.config, a));
    const remote = to.filter((a) => !local.includes(a));
    const forwards: string[] = [];
    if (local.length) {
      // Unknown local addresses throw here: the round keeps the email pending and logs why.
      const accepted = await Promise.all(local.map((a) => core.delivery.checkRecipient(a, message.length)));
      const r = await core.delivery.deliver(accepted, message, { mailFrom: '' });
      for (const s of r.spooled) this.#d.notifier?.newMail(s.mailboxId).catch(() => undefined);
      forwards.push(...r.forwards);
    }
    const outside = [...new Set([...remote, ...forwards])];
    if (outside.length)
      await this.#d.queue.enqueue(
        { mailFrom: '', rcptTo: outside, receivedAt: Date.now(), origin: 'forward', alert: true },
        message,
      );
    return { local: local.length, queued: outside.length };
  }
}
