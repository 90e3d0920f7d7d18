import { methods } from '../../../shared/channels';
import type { EnvelopeApi, FacteurApi } from '../../../shared/api';
import { unwrapEnvelope, type Envelope } from '../../../shared/errors';
import { connectWebSocketApi } from './ws-transport';

declare global {
  interface Window {
    facteur?: EnvelopeApi;
  }
}

/** Turns envelopes back into values and thrown FacteurErrors. */
export function unwrapApi(transport: EnvelopeApi): FacteurApi {
  const api: Record<string, unknown> = {};
  for (const method of methods) {
    const call = transport[method] as (request: unknown) => Promise<Envelope<unknown>>;
    api[method] = async (request: unknown) => unwrapEnvelope(await call(request));
  }
  api.on = transport.on;
  return api as unknown as FacteurApi;
}

/** Electron's preload gives window.facteur; in a browser, the host's token is in the address. */
function pickTransport(): EnvelopeApi {
  if (window.facteur) return window.facteur;
  const token =
    new URLSearchParams(window.location.hash.slice(1)).get('token') ??
    sessionStorage.getItem('facteur-token');
  if (!token) throw new Error('Open Facteur from the address the app printed: it holds the access token.');
  sessionStorage.setItem('facteur-token', token);
  history.replaceState(null, '', window.location.pathname); // keep the token out of sight
  return connectWebSocketApi(window.location.origin, token);
}

export const api: FacteurApi = unwrapApi(pickTransport());
