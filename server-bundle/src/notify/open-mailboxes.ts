// The mailboxes this process holds open (logged-in IMAP connections, each with its own
// MailboxSession), and what keeps them current:
//   - a "new-mail" event (SMTP delivered into the spool) drains the spool through one of the
//     sessions of that mailbox, then announces the change;
//   - a "changed" event from another process wakes this process's watchers (IMAP connections,
//     which then read the change journal);
//   - local changes wake local watchers and are published for the other processes;
//   - a slow poll of the spool covers events lost while the bus was down.
// Wake-ups are coalesced per mailbox to one per event-loop turn, after the change is committed.
import type { MailboxSession } from '../domain/mailbox-session.ts';
import type { Logger } from '../log/logger.ts';
import type { MailboxEvent, MailboxEventBus } from './mailbox-events.ts';

export interface OpenMailboxesOptions {
  /** Publishes local changes and delivers other processes' events; absent = this process only. */
  events?: MailboxEventBus;
  log: Logger;
  /** Spool poll for mailboxes held open, ms (0 disables). Default 30 s. */
  pollIntervalMs?: number;
}

const RESUBSCRIBE_MS = 5000;

interface Entry {
  sessions: Set<MailboxSession>;
  watchers: Set<() => void>;
  wakeScheduled: boolean;
  draining: Promise<number> | undefined;
  drainAgain: boolean;
}

export class OpenMailboxes {
  readonly #events: MailboxEventBus | undefined;
  readonly #log: Logger;
  readonly #entries = new Map<string, Entry>();
  readonly #pollMs: number;
  #unsubscribe: (() => Promise<void>) | undefined;
  #poll: NodeJS.Timeout | undefined;
  #retry: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(opts: OpenMailboxesOptions) {
    this.#events = opts.events;
    this.#log = opts.log;
    this.#pollMs = opts.pollIntervalMs ?? 30_000;
  }

  /**
   * Subscribes to the bus and starts the spool poll. A bus that is down (Redis restarting) does not
   * stop the role: the subscription is retried in the background and the poll covers meanwhile.
   */
  async start(): Promise<void> {
    this.#stopped = false;
    await this.#subscribe();
    if (this.#pollMs > 0 && !this.#poll) {
      this.#poll = setInterval(() => {
        for (const id of this.#entries.keys()) void this.drain(id);
      }, this.#pollMs);
      this.#poll.unref();
    }
  }

  async #subscribe(): Promise<void> {
    if (!this.#events || this.#unsubscribe || this.#stopped) return;
    try {
      this.#unsubscribe = await this.#events.subscribe((e) => this.#onEvent(e));
      if (this.#retry) this.#log.info('mailboxes.events_subscribed');
      this.#retry = undefined;
    } catch (err) {
      this.#log.warn('mailboxes.events_unavailable', { err, retryInMs: RESUBSCRIBE_MS });
      this.#retry = setTimeout(() => void this.#subscribe(), RESUBSCRIBE_MS);
      this.#retry.unref();
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#retry) clearTimeout(this.#retry);
    this.#retry = undefined;
    if (this.#poll) clearInterval(this.#poll);
    this.#poll = undefined;
    const u = this.#unsubscribe;
    this.#unsubscribe = undefined;
    await u?.();
    await Promise.all([...this.#entries.values()].map((e) => e.draining?.catch(() => 0)));
  }

  #entry(mailboxId: string): Entry {
    let e = this.#entries.get(mailboxId);
    if (!e) {
      e = {
        sessions: new Set(),
        watchers: new Set(),
        wakeScheduled: false,
        draining: undefined,
        drainAgain: false,
      };
      this.#entries.set(mailboxId, e);
    }
    return e;
  }

  #release(mailboxId: string): void {
    const e = this.#entries.get(mailboxId);
    if (e && !e.sessions.size && !e.watchers.size && !e.draining) this.#entries.delete(mailboxId);
  }

  /** A session opened by a login in this process. */
  add(session: MailboxSession): void {
    this.#entry(session.mailbox.id).sessions.add(session);
  }

  remove(session: MailboxSession): void {
    this.#entries.get(session.mailbox.id)?.sessions.delete(session);
    this.#release(session.mailbox.id);
  }

  /** Sessions held open (each holds its mailbox key). */
  sessionCount(): number {
    let n = 0;
    for (const e of this.#entries.values()) n += e.sessions.size;
    return n;
  }

  isOpen(mailboxId: string): boolean {
    return (this.#entries.get(mailboxId)?.sessions.size ?? 0) > 0;
  }

  /** Calls `wake` (coalesced) whenever the mailbox may have changed. Returns the unwatch function. */
  watch(mailboxId: string, wake: () => void): () => void {
    this.#entry(mailboxId).watchers.add(wake);
    return () => {
      this.#entries.get(mailboxId)?.watchers.delete(wake);
      this.#release(mailboxId);
    };
  }

  /** A change committed by this process: wake local watchers and tell the other processes. */
  changed(mailboxId: string): void {
    this.#wake(mailboxId);
    void this.#events?.changed(mailboxId);
  }

  #wake(mailboxId: string): void {
    const e = this.#entries.get(mailboxId);
    if (!e || e.wakeScheduled || !e.watchers.size) return;
    e.wakeScheduled = true;
    setImmediate(() => {
      e.wakeScheduled = false;
      for (const w of [...e.watchers]) {
        try {
          w();
        } catch (err) {
          this.#log.warn('mailboxes.watcher_failed', { mailboxId, err });
        }
      }
    });
  }

  #onEvent(e: MailboxEvent): void {
    if (!this.#entries.has(e.mailboxId)) return;
    // Our own "changed" was handled when it was made; new mail may come from a role of this process.
    if (e.kind === 'changed' && this.#events && e.origin === this.#events.origin) return;
    if (e.kind === 'new-mail') void this.drain(e.mailboxId);
    else this.#wake(e.mailboxId);
  }

  /**
   * Moves the mailbox's spool in through one of its open sessions. Concurrent calls share a run;
   * a call made during a run schedules one more (a file may have landed after its listing).
   * Resolves to the number of messages delivered.
   */
  drain(mailboxId: string): Promise<number> {
    const e = this.#entries.get(mailboxId);
    if (!e || !e.sessions.size) return Promise.resolve(0);
    if (e.draining) {
      e.drainAgain = true;
      return e.draining;
    }
    const run = async (): Promise<number> => {
      let total = 0;
      do {
        e.drainAgain = false;
        const session = e.sessions.values().next().value;
        if (!session) break;
        try {
          const r = await session.drainSpool();
          total += r.delivered;
          if (r.failed.length)
            this.#log.warn('mailboxes.spool_unreadable', { mailboxId, files: r.failed.length });
        } catch (err) {
          this.#log.error('mailboxes.drain_failed', { mailboxId, err });
          break;
        }
      } while (e.drainAgain);
      return total;
    };
    e.draining = run().finally(() => {
      e.draining = undefined;
      this.#release(mailboxId);
    });
    return e.draining.then((n) => {
      if (n > 0) this.changed(mailboxId);
      return n;
    });
  }
}
