import type { Envelope } from './errors';
import type { EventName, EventPayload, Method, Request, Response } from './contract';

/** What a transport (Electron preload or the browser host's WebSocket) gives the renderer. */
export type EnvelopeApi = { [M in Method]: (request: Request<M>) => Promise<Envelope<Response<M>>> } & {
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
};

/** What the renderer's code calls: errors are thrown, values returned. */
export type FacteurApi = { [M in Method]: (request: Request<M>) => Promise<Response<M>> } & {
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
};
