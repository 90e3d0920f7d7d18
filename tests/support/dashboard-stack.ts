/**
 * A deployed stack for the dashboard's tests and bench: the server added and deployed through the
 * app's own contract (as the renderer does it) on a fresh data directory, which a browser host
 * started afterwards on the same directory reads. `seedMetrics` gives the server's metrics store a
 * history of days with the server bundle's own code (tests/support/seed-metrics.mjs, Node 24).
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureTestbed, startVps, type VpsInfo } from '../infra/testbed';
import { freshFacteur } from './facteur';
import { cleanStack, ensureServerImage, RESOURCES, ROOT } from './server-stack';
import { scanFingerprint } from './ssh';

const run = promisify(execFile);

export interface DashboardStack {
  vps: VpsInfo;
  home: string;
  serverId: string;
  /** The environment the browser host needs to reach the same server the same way. */
  env: Record<string, string>;
}

/** Starts VPS n, removes any old stack, adds and deploys the server through the contract. */
export async function deployDashboardStack(
  n: number,
  serverConfig: Record<string, unknown>,
): Promise<DashboardStack> {
  const vps = await startVps(n);
  await ensureServerImage();
  await cleanStack(n);
  const env = {
    FACTEUR_RESOURCES_DIR: RESOURCES,
    FACTEUR_SERVER_CONFIG: JSON.stringify(serverConfig),
    FACTEUR_FIREWALL: 'off',
    FACTEUR_SSH_READY_MS: '15000',
    FACTEUR_STACK_HEALTH_TIMEOUT_MS: '120000',
    FACTEUR_STACK_STEP_TIMEOUT_MS: '120000',
  };
  const { home, call } = freshFacteur(env);
  const profile = await call('addServer', {
    name: `Dashboard VPS ${n}`,
    host: vps.host,
    port: vps.port,
    user: 'root',
    auth: { kind: 'privateKey', privateKey: readFileSync(vps.clientKeyPath, 'utf8') },
    confirmedFingerprint: scanFingerprint(vps.host, vps.port),
  });
  await call('deployStack', {
    serverId: profile.id,
    operationId: `dashboard-${n}`,
    hostname: `mail.dashboard${n}.test`,
    domain: `dashboard${n}.test`,
  });
  return { vps, home, serverId: profile.id, env };
}

/** The stack's data directory on VPS n, seen from the test bed's host. */
export function stackDataDir(vps: VpsInfo): string {
  return join(vps.stateDir, 'facteur');
}

/**
 * Waits for the jobs role's first rounds, then writes `days` of history into the metrics store
 * while the server runs (SQLite's WAL lets both write; the store's files exist already, so they
 * keep the server user as their owner).
 */
export async function seedMetrics(vps: VpsInfo, days: number): Promise<{ rounds: number; series: number }> {
  const dir = stackDataDir(vps);
  const db = join(dir, 'metrics.db');
  const t0 = Date.now();
  while (!existsSync(db)) {
    if (Date.now() - t0 > 60_000) throw new Error(`no metrics store at ${db} after 60 s`);
    await new Promise((r) => setTimeout(r, 500));
  }
  await new Promise((r) => setTimeout(r, 3000)); // a few rounds: every series the server records exists
  const bed = await ensureTestbed();
  const { stdout } = await run(
    bed.node24Bin,
    [join(ROOT, 'tests/support/seed-metrics.mjs'), dir, String(days)],
    {
      cwd: join(ROOT, 'server-bundle'),
      encoding: 'utf8',
      timeout: 300_000,
    },
  );
  return JSON.parse(stdout.trim().split('\n').pop()!) as { rounds: number; series: number };
}
