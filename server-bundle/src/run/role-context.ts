// Everything a role process needs, opened in an explicit order: config -> stores (MailCore opens
// the secrets and the encrypted config DB) -> TLS -> Redis (throttle, events) -> the roles listen.
import { join } from 'node:path';
import { MailCore } from '../domain/mail-core.ts';
import { createLogger, type Logger } from '../log/logger.ts';
import { RedisMailboxEvents } from '../notify/redis-events.ts';
import { OutboundQueue } from '../queue/outbound-queue.ts';
import { RedisLoginThrottle } from '../security/login-throttle.ts';
import { loadOrCreateServerSecrets } from '../storage/server-secrets.ts';
import { connectRedis, type RedisConnection } from '../storage/redis-adapter.ts';
import { TlsProvider } from '../tls/tls-provider.ts';
import { imapAnalyzer } from '../protocols/imap/imap-summary.ts';
import type { ServerConfig } from './server-config.ts';

export interface RoleContext {
  config: ServerConfig;
  core: MailCore;
  tls: TlsProvider;
  redis: RedisConnection;
  throttle: RedisLoginThrottle;
  events: RedisMailboxEvents;
  outbound: OutboundQueue;
  log: Logger;
  close(): Promise<void>;
}

export async function openRoleContext(config: ServerConfig, role: string): Promise<RoleContext> {
  const log = createLogger({ level: config.logLevel, fields: { role } });
  const core = await MailCore.open({
    dataDir: config.dataDir,
    loginCacheTtlMs: config.loginCacheTtlMs,
    maxMessageBytes: config.maxMessageBytes,
    // Every role stores the IMAP structure with a message, whoever files it first.
    analyzer: imapAnalyzer,
  });
  const secrets = await loadOrCreateServerSecrets(join(config.dataDir, 'secrets.json'));
  const outbound = OutboundQueue.fromSecrets(join(config.dataDir, 'outbound'), secrets);
  const tls = await TlsProvider.loadOrCreate({ dir: join(config.dataDir, 'tls'), hostNames: [config.hostname], log });
  tls.watch(); // a certificate renewed by another role applies here without a restart
  const redis = connectRedis({ url: config.redis.url, keyPrefix: config.redis.keyPrefix });
  const throttle = new RedisLoginThrottle(redis, config.throttle, log);
  const events = new RedisMailboxEvents(redis, { log });
  return {
    config,
    core,
    tls,
    redis,
    throttle,
    events,
    outbound,
    log,
    async close() {
      tls.unwatch();
      await redis.quit();
      core.close();
    },
  };
}
