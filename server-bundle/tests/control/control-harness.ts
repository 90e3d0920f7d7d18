// The control API over a real mail stack (MailCore, Redis, TLS, IMAP and POP3 on free ports), with
// the control role's log written to <dataDir>/logs/control.log as in production.
import { join } from 'node:path';
import { generateKeyPair, type HybridPrivateKey } from '../../src/crypto/hybrid-kem.ts';
import { startControlApi } from '../../src/control/control-api.ts';
import { ControlTokens } from '../../src/control/token-store.ts';
import type { HttpApi } from '../../src/control/http-server.ts';
import { DkimKeyStore } from '../../src/dkim/dkim-keys.ts';
import { backupsFor, type Backups } from '../../src/jobs/backup-wiring.ts';
import { createLogger } from '../../src/log/logger.ts';
import { logDirOf, RotatingLogFile } from '../../src/log/log-file.ts';
import { metricsDbKey, MetricsStore } from '../../src/metrics/metrics-store.ts';
import { DeliveryStates } from '../../src/outbound/delivery-state.ts';
import { OutboundQueue } from '../../src/queue/outbound-queue.ts';
import { resolveConfig, type ServerConfig } from '../../src/run/server-config.ts';
import { loadOrCreateServerSecrets } from '../../src/storage/server-secrets.ts';
import { startMailStack, type MailStack } from '../protocols/mail-stack.ts';
import { http, type HttpOptions, type HttpResult } from './http-client.ts';

export const TEST_TIERS = [
  { stepMs: 10_000, keepMs: 86_400_000 },
  { stepMs: 300_000, keepMs: 30 * 86_400_000 },
  { stepMs: 3_600_000, keepMs: 365 * 86_400_000 },
];

export interface ControlHarness extends MailStack {
  api: HttpApi;
  base: string;
  token: string;
  tokens: ControlTokens;
  owner: HybridPrivateKey;
  outbound: OutboundQueue;
  states: DeliveryStates;
  metrics: MetricsStore;
  logFile: RotatingLogFile;
  /** The backup engine and runner the routes use (with opts.backups). */
  backups?: Backups;
  call(method: string, path: string, opts?: HttpOptions): Promise<HttpResult>;
}

export async function startControlHarness(
  opts: { roles?: string[]; maxBodyBytes?: number; backups?: Partial<ServerConfig['backup']> } = {},
): Promise<ControlHarness> {
  const stack = await startMailStack({ pop3: true, mailboxes: [] });
  const logFile = new RotatingLogFile({ dir: logDirOf(stack.dataDir), name: 'control' });
  const log = createLogger({ level: 'debug', fields: { role: 'control' }, sink: (l) => logFile.write(l) });
  const secrets = await loadOrCreateServerSecrets(join(stack.dataDir, 'secrets.json'));
  const outbound = OutboundQueue.fromSecrets(join(stack.dataDir, 'outbound'), secrets);
  const states = DeliveryStates.fromSecrets(outbound.dir, secrets);
  const metrics = MetricsStore.open(join(stack.dataDir, 'metrics.db'), metricsDbKey(secrets), TEST_TIERS);
  const tokens = new ControlTokens(stack.core.config);
  const token = tokens.issue();
  const backups = opts.backups
    ? backupsFor({
        config: resolveConfig({ dataDir: stack.dataDir, backup: opts.backups }),
        redis: stack.redisConn,
        log,
      })
    : undefined;
  const api = await startControlApi(
    {
      core: stack.core,
      tokens,
      certificate: () => stack.tls.info,
      redis: stack.redisConn,
      outbound,
      deliveryState: (id) => states.get(id),
      metrics,
      metricsPoints: 300,
      dkim: new DkimKeyStore(join(stack.dataDir, 'dkim')),
      logDir: logDirOf(stack.dataDir),
      roles: opts.roles ?? ['mx', 'imap'],
      heartbeatMs: 100,
      version: '9.9.9-test',
      log,
      ...(backups ? { backups } : {}),
    },
    { port: 0, maxBodyBytes: opts.maxBodyBytes ?? 16 * 1024 },
  );
  const base = `http://127.0.0.1:${api.port}`;
  const h: ControlHarness = {
    ...stack,
    api,
    base,
    token,
    tokens,
    owner: generateKeyPair(),
    outbound,
    states,
    metrics,
    logFile,
    ...(backups ? { backups } : {}),
    call: (method, path, o = {}) => http(base, method, path, { token: h.token, ...o }),
    async stop() {
      await backups?.runner.idle();
      await api.close();
      metrics.close();
      logFile.close();
      await stack.stop();
    },
  };
  return h;
}
