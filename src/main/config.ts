import { homedir } from 'node:os';
import { join } from 'node:path';

/** Every duration the desktop uses comes from here, so tests can shrink them. */
export interface DesktopConfig {
  dataDir: string;
  ssh: { readyMs: number; keepaliveMs: number; commandMs: number };
}

function num(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, defaultDataDir?: string): DesktopConfig {
  return {
    dataDir: env.FACTEUR_HOME || defaultDataDir || join(homedir(), '.config', 'facteur'),
    ssh: {
      readyMs: num(env, 'FACTEUR_SSH_READY_MS', 8000),
      keepaliveMs: num(env, 'FACTEUR_SSH_KEEPALIVE_MS', 15000),
      commandMs: num(env, 'FACTEUR_SSH_COMMAND_MS', 30000),
    },
  };
}
