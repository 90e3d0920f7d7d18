import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/main/app';
import { loadConfig } from '../../src/main/config';
import { createDispatcher } from '../../src/main/ipc/dispatcher';
import type { Method, Request, Response } from '../../src/shared/contract';
import { unwrapEnvelope, type Envelope } from '../../src/shared/errors';

/** A fresh Facteur (own data directory) driven through the contract, as the renderer drives it. */
export function freshFacteur(env: Record<string, string> = {}) {
  const home = mkdtempSync(join(tmpdir(), 'facteur-it-'));
  const app = createApp({
    config: loadConfig({ FACTEUR_HOME: home, ...env }),
    runtime: 'cli',
    version: 'test',
  });
  const dispatch = createDispatcher(app.handlers);
  const call = async <M extends Method>(method: M, request: Request<M>): Promise<Response<M>> =>
    unwrapEnvelope((await dispatch(method, request)) as Envelope<Response<M>>);
  return { home, app, call };
}
