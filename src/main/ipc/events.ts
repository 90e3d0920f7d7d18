import type { EventName, EventPayload } from '../../shared/contract';

type Listener = (event: EventName, payload: unknown) => void;

/** Push events from services to whichever front-ends are attached (Electron windows, browser clients). */
export class EventBus {
  private readonly listeners = new Set<Listener>();

  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    for (const listener of this.listeners) listener(event, payload);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
