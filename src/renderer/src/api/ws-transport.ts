import { eventNames, methods, type EventName } from '../../../shared/channels';
import type { EnvelopeApi } from '../../../shared/api';
import type { Envelope } from '../../../shared/errors';

/**
 * The browser host's transport: the same contract over a WebSocket to 127.0.0.1, authorised by
 * the per-run token the host put in the page address.
 */
export function connectWebSocketApi(origin: string, token: string): EnvelopeApi {
  const url = `${origin.replace(/^http/, 'ws')}/api?token=${encodeURIComponent(token)}`;
  const pending = new Map<number, (envelope: Envelope<unknown>) => void>();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  let nextId = 1;
  let socket: Promise<WebSocket> | undefined;

  const open = (): Promise<WebSocket> => {
    socket ??= new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.onopen = () => resolve(ws);
      ws.onerror = () => reject(new Error('Facteur lost its connection to the app. Reload the page.'));
      ws.onclose = () => {
        socket = undefined;
        for (const [id, settle] of pending) {
          pending.delete(id);
          settle({
            ok: false,
            error: { code: 'INTERNAL', message: 'Facteur lost its connection to the app. Reload the page.' },
          });
        }
      };
      ws.onmessage = (msg) => {
        const data = JSON.parse(String(msg.data)) as {
          id?: number;
          envelope?: Envelope<unknown>;
          event?: string;
          payload?: unknown;
        };
        if (data.id !== undefined && data.envelope) {
          pending.get(data.id)?.(data.envelope);
          pending.delete(data.id);
        } else if (data.event) {
          for (const listener of listeners.get(data.event) ?? []) listener(data.payload);
        }
      };
    });
    return socket;
  };

  const api: Record<string, unknown> = {};
  for (const method of methods) {
    api[method] = async (request: unknown) => {
      const ws = await open();
      const id = nextId++;
      return new Promise<Envelope<unknown>>((resolve) => {
        pending.set(id, resolve);
        ws.send(JSON.stringify({ id, method, request: request ?? {} }));
      });
    };
  }
  api.on = (event: EventName, listener: (payload: unknown) => void) => {
    if (!eventNames.includes(event)) throw new Error(`Unknown event ${String(event)}`);
    void open();
    const set = listeners.get(event) ?? new Set();
    set.add(listener);
    listeners.set(event, set);
    return () => set.delete(listener);
  };
  return api as unknown as EnvelopeApi;
}
