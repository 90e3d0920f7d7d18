// A full SMTP stack for tests: data dir + MailCore, TLS, Redis login throttle, outbound queue,
// MX and submission on 127.0.0.1 / ::1 with random ports, a recording notifier and a log sink.
import { join } from 'node:path';
import { createLogger } from '../../../src/log/logger.ts';
import { OutboundQueue } from '../../../src/queue/outbound-queue.ts';
import { RedisLoginThrottle, type LoginThrottleConfig } from '../../../src/security/login-throttle.ts';
import { startMx, startSubmission, type RunningRole } from '../../../src/protocols/smtp/index.ts';
import { connectRedis } from '../../../src/storage/redis-adapter.ts';
import { loadOrCreateServerSecrets } from '../../../src/storage/server-secrets.ts';
import { TlsProvider } from '../../../src/tls/tls-provider.ts';
import { newCore } from '../../helpers/core.ts';
import type { TestRedis } from '../../support/redis.ts';

let stackNo = 0;

export interface StackOptions {
  maxMessageBytes?: number;
  throttle?: LoginThrottleConfig;
  hosts?: string[];
}

export async function startStack(dataDir: string, redis: TestRedis, opts: StackOptions = {}) {
  const { core, recovery } = await newCore(
    dataDir,
    opts.maxMessageBytes ? { maxMessageBytes: opts.maxMessageBytes } : {},
  );
  const logLines: string[] = [];
  const log = createLogger({ level: 'debug', sink: (l) => logLines.push(l) });
  const redisConn = connectRedis({ ...redis.options, keyPrefix: `smtp-test-${process.pid}-${++stackNo}:` });
  const throttle = new RedisLoginThrottle(
    redisConn,
    { maxFailures: 5, windowMs: 60_000, blockMs: 60_000, ...opts.throttle },
    log,
  );
  const tls = await TlsProvider.loadOrCreate({
    dir: join(dataDir, 'tls'),
    hostNames: ['mail.example.com', '127.0.0.1', '::1'],
  });
  const secrets = await loadOrCreateServerSecrets(join(dataDir, 'secrets.json'));
  const outbound = OutboundQueue.fromSecrets(join(dataDir, 'queue', 'outbound'), secrets);
  const notified: string[] = [];
  const notifier = {
    async newMail(id: string) {
      notified.push(id);
    },
  };
  const deps = { core, throttle, tls, outbound, notifier, log };
  const hosts = opts.hosts ?? ['::'];
  const common = {
    hostname: 'mail.example.com',
    hosts,
    closeTimeoutMs: 500,
    ...(opts.maxMessageBytes ? { maxMessageBytes: opts.maxMessageBytes } : {}),
  };
  const mx: RunningRole = await startMx(deps, { ...common, port: 0 });
  const submission: RunningRole = await startSubmission(deps, { ...common, port: 0, tlsPort: 0 });
  const port = (role: RunningRole, kind: string) => role.addresses.find((a) => a.kind === kind)!.port;

  async function createMailbox(address: string, password: string, quotaBytes?: number) {
    return core.accounts.createMailbox({
      address,
      password,
      recoveryPublicKey: recovery.publicKey.bytes,
      quotaBytes: quotaBytes ?? null,
    });
  }

  /** Opens the mailbox with its password (drains the spool) and returns INBOX messages, oldest first. */
  async function inbox(address: string, password: string): Promise<Buffer[]> {
    const s = await core.openSession(address, password);
    try {
      const inboxId = s.view.getFolder('INBOX')!.id;
      return s.view.uids(inboxId).map((uid) => s.view.readRaw(inboxId, uid)!);
    } finally {
      s.close();
    }
  }

  return {
    dataDir,
    core,
    throttle,
    tls,
    outbound,
    notified,
    logLines,
    mx,
    submission,
    mxPort: port(mx, 'mx'),
    submissionPort: port(submission, 'submission'),
    submissionsPort: port(submission, 'submissions'),
    createMailbox,
    inbox,
    async stop() {
      await Promise.all([mx.close(), submission.close()]);
      await redisConn.quit();
      core.close();
    },
  };
}

export type Stack = Awaited<ReturnType<typeof startStack>>;
