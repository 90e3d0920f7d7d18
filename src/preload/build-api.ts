import { eventChannel, eventNames, ipcChannel, methods, type EventName } from '../shared/channels';
import type { EnvelopeApi } from '../shared/api';

export interface IpcLike {
  invoke(channel: string, request: unknown): Promise<unknown>;
  on(channel: string, listener: (event: unknown, payload: unknown) => void): void;
  removeListener(channel: string, listener: (event: unknown, payload: unknown) => void): void;
}

/** Exactly the contract's methods and events; no generic invoke reaches the page. */
export function buildApi(ipc: IpcLike): EnvelopeApi {
  const api: Record<string, unknown> = {};
  for (const method of methods) {
    api[method] = (request: unknown) => ipc.invoke(ipcChannel(method), request ?? {});
  }
  api.on = (event: EventName, listener: (payload: unknown) => void) => {
    if (!eventNames.includes(event)) throw new Error(`Unknown event ${String(event)}`);
    const handler = (_event: unknown, payload: unknown): void => listener(payload);
    ipc.on(eventChannel(event), handler);
    return () => ipc.removeListener(eventChannel(event), handler);
  };
  return Object.freeze(api) as unknown as EnvelopeApi;
}
