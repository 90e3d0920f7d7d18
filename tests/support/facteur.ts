import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/main/app';
import { loadConfig } from '../../src/main/config';
import { createDispatcher, directCaller } from '../../src/main/ipc/dispatcher';

/** A fresh Facteur (own data directory) driven through the contract, as the renderer drives it. */
export function freshFacteur(env: Record<string, string> = {}) {
  const home = mkdtempSync(join(tmpdir(), 'facteur-it-'));
  const app = createApp({
    config: loadConfig({ FACTEUR_HOME: home, ...env }),
    runtime: 'cli',
    version: 'test',
  });
  const call = directCaller(createDispatcher(app.handlers));
  return { home, app, call };
}
