/**
 * Starts the browser host: the Facteur panel in an ordinary browser, for machines without the
 * Electron runtime and for end-to-end tests. Prints the URL (with its per-run token) on stdout.
 */
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { createApp } from '../app';
import { loadConfig } from '../config';
import { createDispatcher } from '../ipc/dispatcher';
import { appVersion } from '../version';
import { startBrowserHost } from './server';

async function main(): Promise<void> {
  const config = loadConfig();
  const facteur = createApp({ config, runtime: 'browser', version: appVersion() });
  const host = await startBrowserHost({
    dispatch: createDispatcher(facteur.handlers),
    events: facteur.events,
    rendererDir: process.env.FACTEUR_RENDERER_DIR ?? join(__dirname, '../renderer'),
    port: process.env.FACTEUR_PORT ? Number(process.env.FACTEUR_PORT) : undefined,
  });
  process.stdout.write(`Facteur is ready at ${host.url}\n`);
  // Desktop alerts reach the page as `alert` events (there is no system notification here).
  if (config.status.monitor) facteur.monitor.start();
  facteur.autoUpgrades.start();
  if (process.argv.includes('--open')) openBrowser(host.url);
  const stop = (): void => void host.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

function openBrowser(url: string): void {
  const opener =
    process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  // Best effort: without a desktop session the printed address is the way in.
  const child = spawn(opener, [url], { stdio: 'ignore', detached: true });
  child.on('error', () => undefined);
  child.unref();
}

void main().catch((err: unknown) => {
  process.stderr.write(`Facteur could not start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
