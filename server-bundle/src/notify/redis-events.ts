// Mailbox events over Redis pub/sub (through the shared redis adapter): one channel for the
// whole stack, messages of ~80 bytes holding only a mailbox id. Pub/sub keeps nothing on disk.
// Publishing never throws: a lost event costs latency only (IMAP also polls the spool).
import type { Logger } from '../log/logger.ts';
import type { RedisConnection } from '../storage/redis-adapter.ts';
import {
  decodeEvent,
  encodeEvent,
  newOrigin,
  type MailboxEventBus,
  type MailboxEventHandler,
  type MailboxEventKind,
} from './mailbox-events.ts';

export const DEFAULT_EVENTS_CHANNEL = 'mailbox-events';

export interface RedisEventsOptions {
  channel?: string;
  log?: Logger;
}

export class RedisMailboxEvents implements MailboxEventBus {
  readonly origin = newOrigin();
  readonly #redis: RedisConnection;
  readonly #channel: string;
  readonly #log: Logger | undefined;

  constructor(redis: RedisConnection, opts: RedisEventsOptions = {}) {
    this.#redis = redis;
    this.#channel = opts.channel ?? DEFAULT_EVENTS_CHANNEL;
    this.#log = opts.log;
  }

  newMail(mailboxId: string): Promise<void> {
    return this.#publish('new-mail', mailboxId);
  }

  changed(mailboxId: string): Promise<void> {
    return this.#publish('changed', mailboxId);
  }

  async #publish(kind: MailboxEventKind, mailboxId: string): Promise<void> {
    try {
      await this.#redis.publish(this.#channel, encodeEvent({ kind, mailboxId, origin: this.origin }));
    } catch (err) {
      this.#log?.warn('events.publish_failed', { kind, mailboxId, err });
    }
  }

  subscribe(handler: MailboxEventHandler): Promise<() => Promise<void>> {
    return this.#redis.subscribe(this.#channel, (raw) => {
      const e = decodeEvent(raw);
      if (e) handler(e);
      else this.#log?.warn('events.bad_message', { length: raw.length });
    });
  }
}
