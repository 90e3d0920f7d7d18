// In-process mailbox events: every bus made from one hub sees the others' events. For running
// several roles in one process (development, tests) and for a single-process deployment.
import { EventEmitter } from 'node:events';
import {
  newOrigin,
  type MailboxEvent,
  type MailboxEventBus,
  type MailboxEventHandler,
} from './mailbox-events.ts';

export class LocalEventHub {
  readonly #emitter = new EventEmitter().setMaxListeners(0);

  /** A bus with its own origin, attached to this hub. */
  bus(): MailboxEventBus {
    const origin = newOrigin();
    const emit = (e: MailboxEvent) => {
      // Asynchronous like a network bus: publishers never run subscriber code inline.
      setImmediate(() => this.#emitter.emit('event', e));
    };
    return {
      origin,
      newMail: async (mailboxId) => emit({ kind: 'new-mail', mailboxId, origin }),
      changed: async (mailboxId) => emit({ kind: 'changed', mailboxId, origin }),
      subscribe: async (handler: MailboxEventHandler) => {
        const h = (e: MailboxEvent) => {
          try {
            handler(e);
          } catch {
            // one failing subscriber must not stop the others
          }
        };
        this.#emitter.on('event', h);
        return async () => {
          this.#emitter.off('event', h);
        };
      },
    };
  }
}
