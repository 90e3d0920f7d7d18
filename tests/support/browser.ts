import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

/** Starts the built browser host (the real main-process services) on a fresh data directory. */
export async function startHost(
  env: Record<string, string> = {},
): Promise<{ url: string; home: string; stop: () => Promise<void> }> {
  const home = mkdtempSync(join(tmpdir(), 'facteur-e2e-'));
  const child: ChildProcess = spawn('node', ['out/main/browser-host.js'], {
    env: { ...process.env, FACTEUR_HOME: home, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+\/#token=\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`browser host exited with ${code}`)));
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return { url, home, stop };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

type Locator = import('playwright-core').Locator;

/** Waits until the element shows; fails with Playwright's own message otherwise. */
export async function visible(locator: Locator, timeout = 10_000): Promise<void> {
  await locator.first().waitFor({ state: 'visible', timeout });
}

/** Waits until the element's text contains `text`. */
export async function showsText(locator: Locator, text: string, timeout = 10_000): Promise<void> {
  await locator.filter({ hasText: text }).first().waitFor({ state: 'visible', timeout });
}

export async function textOf(locator: Locator): Promise<string> {
  await visible(locator);
  return ((await locator.first().textContent()) ?? '').trim();
}
