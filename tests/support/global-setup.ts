/**
 * Vitest global setup for the integration and E2E projects: the real test bed (dockerd, Redis)
 * and one VPS (sshd + its own dockerd in a network namespace), plus a built app.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { ensureTestbed, startVps, stopVps, type VpsInfo } from '../infra/testbed';

declare module 'vitest' {
  export interface ProvidedContext {
    vps: VpsInfo;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!existsSync('out/main/cli.js') || !existsSync('out/renderer/index.html')) {
    execFileSync('npx', ['electron-vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
  }
  await ensureTestbed();
  const vps = await startVps(1);
  project.provide('vps', vps);
  return async () => {
    await stopVps(1);
  };
}
