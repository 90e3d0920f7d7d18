// The outbound role's engine: takes due entries from the durable queue, signs (DKIM) what local
// users submitted, rewrites the sender of forwarded mail (SRS), delivers per recipient domain,
// and then, for each entry:
//   every recipient finished -> the entry is deleted (queue file, then its state file)
//   some failed permanently  -> an RFC 3464 bounce to the sender, those recipients finished
//   some failed temporarily  -> retried with backoff (outbound.retry); one delay notice after
//                               delayNoticeAfterMs; bounced once giveUpAfterMs has passed
// At-least-once: an entry leaves the queue only after its last recipient's 250 (or bounce) is
// recorded. A crash after a remote 250 and before that record delivers that message again, so a
// kill duplicates at most the messages in flight at that moment (≤ concurrency).
// New entries are noticed through an inotify watch on the queue directory, plus a periodic scan.
// With `leases` (the outbound role always passes them), an entry is worked on only under its
// lease (queue/entry-leases.ts): several outbound processes can share one queue, and an entry
// another process holds is looked at again after scanIntervalMs.
import { watch, type FSWatcher } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { isLocalDomain } from '../domain/directory.ts';
import type { MailCore } from '../domain/mail-core.ts';
import type { Logger } from '../log/logger.ts';
import type { EntryLeases } from '../queue/entry-leases.ts';
import type { OutboundQueue, QueuedMessage } from '../queue/outbound-queue.ts';
import type { DeliveryState, DeliveryStates } from './delivery-state.ts';
import type { DkimSigning } from './dkim-signing.ts';
import { enhancedStatusOf, type DsnRecipient } from './dsn.ts';
import type { RecipientOutcome, RemoteDelivery } from './remote-delivery.ts';
import { dueForDelayNotice, expired, retryDelayMs, type RetrySettings } from './retry-policy.ts';
import type { SenderNotices } from './sender-notices.ts';
import type { Srs } from './srs.ts';

export interface OutboundWorkerDeps {
  core: MailCore;
  queue: OutboundQueue;
  states: DeliveryStates;
  remote: Pick<RemoteDelivery, 'deliver' | 'close'>;
  dkim?: DkimSigning;
  srs?: Srs;
  notices: SenderNotices;
  /** Per-entry leases shared by every outbound process of the queue (Redis). */
  leases?: EntryLeases;
  log: Logger;
  /** Called once per message delivered to a remote server (metrics). */
  onDelivered?: (count: number) => void;
}

export interface OutboundWorkerOptions {
  concurrency: number;
  scanIntervalMs: number;
  retry: RetrySettings;
  now?: () => number;
}

export interface WorkerStats {
  delivered: number;
  deferred: number;
  bounced: number;
  inFlight: number;
}

const ID_RE = /^[0-9a-z]{11}-[0-9a-f]{16}$/;
const MIN_RESCAN_MS = 50;
const domainOf = (address: string): string => address.slice(address.lastIndexOf('@') + 1).toLowerCase();
/** "550 5.1.1 ..." whether or not the remote text already starts with its code. */
const replyText = (o: RecipientOutcome): string =>
  o.text.startsWith(String(o.code)) ? o.text : `${o.code} ${o.text}`;

export class OutboundWorker {
  readonly #d: OutboundWorkerDeps;
  readonly #o: OutboundWorkerOptions;
  readonly #now: () => number;
  /** Entries being worked on now. */
  readonly #inFlight = new Map<string, Promise<void>>();
  /** Entries known to wait: id -> time of their next attempt. */
  readonly #notBefore = new Map<string, number>();
  readonly stats: WorkerStats = { delivered: 0, deferred: 0, bounced: 0, inFlight: 0 };
  #timer: NodeJS.Timeout | undefined;
  #watcher: FSWatcher | undefined;
  #scanning: Promise<void> | undefined;
  #again = false;
  /** Due entries from the last directory read, not started yet. */
  #backlog: string[] = [];
  #dirty = true;
  #scannedAt = -Infinity;
  #stopped = false;
  /** Redis could not be reached for a lease (logged once until it answers again). */
  #leasesDown = false;

  constructor(d: OutboundWorkerDeps, o: OutboundWorkerOptions) {
    this.#d = d;
    this.#o = o;
    this.#now = o.now ?? Date.now;
  }

  start(): void {
    this.#timer = setInterval(() => {
      this.#dirty = true;
      this.kick();
    }, this.#o.scanIntervalMs);
    this.#watch();
    this.kick();
  }

  /** Looks for work now (coalesced: one scan at a time, one more if asked meanwhile). */
  kick(): void {
    if (this.#stopped) return;
    if (this.#scanning) {
      this.#again = true;
      return;
    }
    this.#scanning = this.#scan()
      .catch((err: unknown) => this.#d.log.error('outbound.scan_failed', { err }))
      .finally(() => {
        this.#scanning = undefined;
        if (this.#again) {
          this.#again = false;
          this.kick();
        }
      });
  }

  #watch(): void {
    if (this.#watcher || this.#stopped) return;
    try {
      this.#watcher = watch(this.#d.queue.dir, (_e, name) => {
        if (typeof name === 'string' && name.endsWith('.msg')) {
          this.#dirty = true;
          this.kick();
        }
      });
      this.#watcher.on('error', () => undefined);
    } catch {
      // No directory yet (created on the first enqueue) or no inotify: the periodic scan covers it.
    }
  }

  /** Entry ids in the queue directory, oldest first (names only: no stat, no decryption). */
  async #readQueueDir(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.#d.queue.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return names
      .filter((n) => n.endsWith('.msg'))
      .map((n) => n.slice(0, -4))
      .filter((id) => ID_RE.test(id))
      .sort();
  }

  async #scan(): Promise<void> {
    this.#watch();
    const now = this.#now();
    // The directory is read again when something changed in it (inotify), on the periodic tick,
    // or when the backlog ran dry; a freed slot otherwise takes the next entry of the backlog.
    if (this.#dirty || !this.#backlog.length || now - this.#scannedAt >= this.#o.scanIntervalMs) {
      if (now - this.#scannedAt < MIN_RESCAN_MS && this.#backlog.length) {
        // Many inotify events in a burst: read the directory at most every MIN_RESCAN_MS.
        setTimeout(() => this.kick(), MIN_RESCAN_MS).unref();
      } else {
        this.#dirty = false;
        this.#scannedAt = now;
        const ids = await this.#readQueueDir();
        const present = new Set(ids);
        for (const id of this.#notBefore.keys()) if (!present.has(id)) this.#notBefore.delete(id);
        this.#backlog = ids.filter((id) => !this.#inFlight.has(id) && (this.#notBefore.get(id) ?? 0) <= now);
      }
    }
    while (!this.#stopped && this.#inFlight.size < this.#o.concurrency && this.#backlog.length) {
      const id = this.#backlog.shift()!;
      if (this.#inFlight.has(id) || (this.#notBefore.get(id) ?? 0) > now) continue;
      const run = this.#leased(id)
        .catch((err: unknown) => {
          this.#d.log.error('outbound.entry_failed', { id, err });
          this.#notBefore.set(id, this.#now() + retryDelayMs(1, this.#o.retry));
        })
        .finally(() => {
          this.#inFlight.delete(id);
          this.stats.inFlight = this.#inFlight.size;
          this.kick(); // a slot is free
        });
      this.#inFlight.set(id, run);
      this.stats.inFlight = this.#inFlight.size;
    }
  }

  /** #process under the entry's lease; an entry leased elsewhere waits for the next scan. */
  async #leased(id: string): Promise<void> {
    const { leases, log } = this.#d;
    if (!leases) return this.#process(id);
    let lease;
    try {
      lease = await leases.acquire(id);
    } catch (err) {
      if (!this.#leasesDown)
        log.warn('outbound.lease_unavailable', {
          reason:
            'Redis does not answer: nothing is delivered until it does (another outbound process could be sending the same entries)',
          err,
        });
      this.#leasesDown = true;
      this.#notBefore.set(id, this.#now() + this.#o.scanIntervalMs);
      return;
    }
    if (this.#leasesDown) log.info('outbound.lease_available', {});
    this.#leasesDown = false;
    if (!lease) {
      this.#notBefore.set(id, this.#now() + this.#o.scanIntervalMs);
      return;
    }
    try {
      await this.#process(id);
    } finally {
      await lease.release();
    }
  }

  async #process(id: string): Promise<void> {
    const { queue, states, log } = this.#d;
    const saved = await states.get(id);
    const now = this.#now();
    if (saved && saved.nextAttemptAt > now) {
      this.#notBefore.set(id, saved.nextAttemptAt);
      return;
    }
    let msg: QueuedMessage;
    try {
      msg = await queue.read(id);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    const state: DeliveryState = saved ?? { v: 1, attempts: 0, nextAttemptAt: 0, done: [] };
    const queuedAt = msg.envelope.receivedAt || parseInt(id.slice(0, 11), 36);
    const done = new Set(state.done);
    const pending = msg.envelope.rcptTo.filter((r) => !done.has(r));
    if (!pending.length) return this.#finish(id);

    if (expired(queuedAt, now, this.#o.retry)) {
      const recipients: DsnRecipient[] = pending.map((address) => ({
        address,
        action: 'failed',
        status: '4.4.7',
        diagnostic: state.lastError ?? 'delivery time expired',
        lastAttemptAt: state.lastAttemptAt ?? now,
      }));
      await this.#d.notices.send(msg.envelope.mailFrom, { queuedAt, recipients, originalRaw: msg.raw });
      this.stats.bounced += pending.length;
      log.info('outbound.expired', { id, recipients: pending.length, attempts: state.attempts });
      return this.#finish(id);
    }

    const outgoing = await this.#prepare(msg);
    const byDomain = new Map<string, string[]>();
    for (const r of pending) byDomain.set(domainOf(r), [...(byDomain.get(domainOf(r)) ?? []), r]);
    const outcomes: RecipientOutcome[] = (
      await Promise.all(
        [...byDomain].map(([domain, to]) =>
          this.#d.remote.deliver(domain, { from: outgoing.mailFrom, to }, outgoing.raw),
        ),
      )
    ).flat();

    const sent = outcomes.filter((o) => o.status === 'sent');
    const failed = outcomes.filter((o) => o.status === 'permanent');
    const deferred = outcomes.filter((o) => o.status === 'temporary');
    this.stats.delivered += sent.length ? 1 : 0;
    if (sent.length) this.#d.onDelivered?.(1);
    for (const o of sent) log.info('outbound.delivered', { id, mx: o.mx, code: o.code });
    if (failed.length) {
      await this.#d.notices.send(msg.envelope.mailFrom, {
        queuedAt,
        originalRaw: msg.raw,
        recipients: failed.map((o) => ({
          address: o.address,
          action: 'failed',
          status: enhancedStatusOf(o.code, o.text),
          diagnostic: replyText(o),
          ...(o.mx ? { remoteMta: o.mx } : {}),
          lastAttemptAt: now,
        })),
      });
      this.stats.bounced += failed.length;
      for (const o of failed) log.info('outbound.bounced', { id, mx: o.mx, code: o.code, reason: o.text });
    }
    for (const o of [...sent, ...failed]) done.add(o.address);
    if (!deferred.length) return this.#finish(id);

    const next: DeliveryState = {
      ...state,
      attempts: state.attempts + 1,
      lastAttemptAt: now,
      lastError: replyText(deferred[0]!).slice(0, 500),
      done: [...done],
      nextAttemptAt: now + retryDelayMs(state.attempts + 1, this.#o.retry),
    };
    if (!state.delayNoticeSent && dueForDelayNotice(queuedAt, now, this.#o.retry)) {
      await this.#d.notices.send(msg.envelope.mailFrom, {
        queuedAt,
        originalRaw: msg.raw,
        retryUntil: queuedAt + this.#o.retry.giveUpAfterMs,
        recipients: deferred.map((o) => ({
          address: o.address,
          action: 'delayed',
          status: enhancedStatusOf(o.code, o.text),
          diagnostic: replyText(o),
          ...(o.mx ? { remoteMta: o.mx } : {}),
          lastAttemptAt: now,
        })),
      });
      next.delayNoticeSent = true;
    }
    await states.put(id, next);
    this.#notBefore.set(id, next.nextAttemptAt);
    this.stats.deferred++;
    log.info('outbound.deferred', {
      id,
      recipients: deferred.length,
      attempts: next.attempts,
      retryInMs: next.nextAttemptAt - now,
      reason: next.lastError,
    });
  }

  /** DKIM for what local users submitted; SRS for forwarded mail from other domains. */
  async #prepare(msg: QueuedMessage): Promise<{ mailFrom: string; raw: Buffer }> {
    const { core } = this.#d;
    const isLocal = (domain: string) => core.config.getDomain(domain) !== undefined;
    let raw = msg.raw;
    if (this.#d.dkim && (msg.envelope.origin === 'submission' || msg.envelope.notice === true)) {
      const sig = await this.#d.dkim.sign(raw, msg.envelope.mailFrom, isLocal);
      if (sig.headers) raw = Buffer.concat([Buffer.from(sig.headers), raw]);
    }
    let mailFrom = msg.envelope.mailFrom;
    if (
      msg.envelope.origin === 'forward' &&
      mailFrom &&
      this.#d.srs &&
      !isLocalDomain(core.config, mailFrom)
    ) {
      mailFrom = this.#d.srs.forward(mailFrom);
    }
    return { mailFrom, raw };
  }

  async #finish(id: string): Promise<void> {
    await this.#d.queue.remove(id);
    await this.#d.states.remove(id);
    this.#notBefore.delete(id);
  }

  /** Stops taking work and waits for what is in flight. */
  async close(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#watcher?.close();
    await this.#scanning;
    await Promise.allSettled([...this.#inFlight.values()]);
    this.#d.remote.close();
  }
}
