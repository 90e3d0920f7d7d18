// Everything a role process needs, opened in an explicit order: config -> stores (MailCore opens
// the secrets and the encrypted config DB) -> TLS -> Redis (throttle, events) -> the roles listen.
import { join } from 'node:path';
import { MailCore } from '../domain/mail-core.ts';
import { createLogger, type Logger } from '../log/logger.ts';
import { logDirOf, RotatingLogFile, teeSink } from '../log/log-file.ts';
import { RedisCounters, type Counters } from '../metrics/counters.ts';
import { countingFailedLogins } from '../metrics/counting-throttle.ts';
import { RedisMailboxEvents } from '../notify/redis-events.ts';
import { OutboundQueue } from '../queue/outbound-queue.ts';
import { RedisLoginThrottle, type LoginThrottle } from '../security/login-throttle.ts';
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
  throttle: LoginThrottle;
  events: RedisMailboxEvents;
  /** Metrics counters (messages in/out/rejected, failed logins), shared by every role through Redis. */
  counters: Counters;
  outbound: OutboundQueue;
  log: Logger;
  close(): Promise<void>;
}

export async function openRoleContext(config: ServerConfig, role: string): Promise<RoleContext> {
  // Lines go to stderr (container logs) and to <dataDir>/logs/<role>.log, which the control API tails.
  const file = config.logs.toFile
    ? new RotatingLogFile({
        dir: logDirOf(config.dataDir),
        name: role,
        maxBytes: config.logs.maxBytes,
        keep: config.logs.keep,
      })
    : undefined;
  const stderr = (line: string) => process.stderr.write(line + '\n');
  const log = createLogger({
    level: config.logLevel,
    fields: { role },
    sink: file ? teeSink(stderr, (l) => file.write(l)) : stderr,
  });
  const core = await MailCore.open({
    dataDir: config.dataDir,
    loginCacheTtlMs: config.loginCacheTtlMs,
    maxMessageBytes: config.maxMessageBytes,
    // Every role stores the IMAP structure with a message, whoever files it first.
    analyzer: imapAnalyzer,
  });
  const secrets = await loadOrCreateServerSecrets(join(config.dataDir, 'secrets.json'));
  const outbound = OutboundQueue.fromSecrets(join(config.dataDir, 'outbound'), secrets);
  const tls = await TlsProvider.loadOrCreate({
    dir: join(config.dataDir, 'tls'),
    hostNames: [config.hostname],
    log,
  });
  tls.watch(config.tls.watchIntervalMs); // a certificate renewed by another role (ACME in jobs) applies here without a restart
  // The server image's Redis requires a password, kept in the secrets file (never in the config).
  const redisPassword = typeof secrets.redisPassword === 'string' ? secrets.redisPassword : undefined;
  const redis = connectRedis({
    url: config.redis.url,
    keyPrefix: config.redis.keyPrefix,
    password: redisPassword,
  });
  const counters = new RedisCounters(redis, log);
  // Every protocol reports failed logins to the throttle: counting there covers them all.
  const throttle = countingFailedLogins(new RedisLoginThrottle(redis, config.throttle, log), counters);
  const events = new RedisMailboxEvents(redis, { log });
  return {
    config,
    core,
    tls,
    redis,
    throttle,
    events,
    counters,
    outbound,
    log,
    async close() {
      tls.unwatch();
      await redis.quit();
      core.close();
      file?.close();
    },
  };
}
