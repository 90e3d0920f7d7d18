// A mail stack for IMAP / POP3 tests: a data directory, MailCore (cheap KDF, IMAP-aware analyzer),
// a private redis-server, the Redis event bus and login throttle, a self-signed TLS provider, and
// the roles listening on "::" (dual stack) with free ports.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair } from '../../src/crypto/hybrid-kem.ts';
import { MailCore } from '../../src/domain/mail-core.ts';
import { silentLogger, type Logger } from '../../src/log/logger.ts';
import { RedisMailboxEvents } from '../../src/notify/redis-events.ts';
import { startImap, type ImapOptions, type ImapRole } from '../../src/protocols/imap/start-imap.ts';
import { imapAnalyzer } from '../../src/protocols/imap/imap-summary.ts';
import type { RoleHandle } from '../../src/protocols/listeners.ts';
import { RedisMaildropLock } from '../../src/protocols/pop3/maildrop-lock.ts';
import { startPop3 } from '../../src/protocols/pop3/start-pop3.ts';
import { RedisLoginThrottle, type LoginThrottleConfig } from '../../src/security/login-throttle.ts';
import { connectRedis, type RedisConnection } from '../../src/storage/redis-adapter.ts';
import { TlsProvider } from '../../src/tls/tls-provider.ts';
import { TEST_KDF } from '../helpers/core.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';

export interface MailStack {
  dataDir: string;
  core: MailCore;
  redis: TestRedis;
  redisConn: RedisConnection;
  events: RedisMailboxEvents;
  tls: TlsProvider;
  imap?: ImapRole;
  pop3?: RoleHandle;
  /** Port of the first listener of a role with that TLS mode. */
  port(role: 'imap' | 'pop3', tls: 'implicit' | 'starttls'): number;
  /** Delivers like SMTP does: seal into the spool, then announce it on the bus. */
  deliver(to: string, raw: Buffer): Promise<void>;
  stop(): Promise<void>;
}

export const PASSWORD = 'correct horse battery staple';

export async function startMailStack(
  opts: {
    imap?: ImapOptions | boolean;
    pop3?: boolean;
    throttle?: LoginThrottleConfig;
    log?: Logger;
    mailboxes?: string[];
  } = {},
): Promise<MailStack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'facteur-mail-'));
  const log = opts.log ?? silentLogger;
  const redis = await startRedis();
  const redisConn = connectRedis({ ...redis.options, keyPrefix: 'test:' });
  const core = await MailCore.open({ dataDir, kdfCost: TEST_KDF, analyzer: imapAnalyzer });
  core.config.addDomain('example.com');
  const recovery = generateKeyPair();
  for (const address of opts.mailboxes ?? ['alice@example.com', 'bob@example.com']) {
    await core.accounts.createMailbox({
      address,
      password: PASSWORD,
      recoveryPublicKey: recovery.publicKey.bytes,
    });
  }
  const tls = await TlsProvider.loadOrCreate({
    dir: join(dataDir, 'tls'),
    hostNames: ['localhost', '127.0.0.1', '::1'],
  });
  const events = new RedisMailboxEvents(redisConn, { log });
  const throttle = new RedisLoginThrottle(
    redisConn,
    { maxFailures: 3, windowMs: 60_000, blockMs: 10_000, ...opts.throttle },
    log,
  );
  const stack: MailStack = {
    dataDir,
    core,
    redis,
    redisConn,
    events,
    tls,
    port(role, mode) {
      const h = role === 'imap' ? stack.imap : stack.pop3;
      const a = h?.addresses.find((x) => x.tls === mode);
      if (!a) throw new Error(`no ${role} ${mode} listener`);
      return a.port;
    },
    async deliver(to, raw) {
      const rcpt = await core.delivery.checkRecipient(to);
      const r = await core.delivery.deliver([rcpt], raw, { mailFrom: 'sender@remote.org' });
      for (const s of r.spooled) await events.newMail(s.mailboxId);
    },
    async stop() {
      await stack.imap?.close();
      await stack.pop3?.close();
      await redisConn.quit();
      await redis.stop();
      core.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  const listeners = [
    { host: '::', port: 0, tls: 'implicit' as const },
    { host: '::', port: 0, tls: 'starttls' as const },
  ];
  if (opts.imap !== false) {
    const imapOpts = typeof opts.imap === 'object' ? opts.imap : {};
    stack.imap = await startImap(
      { core, throttle, tls, events, log },
      { listeners, pollIntervalMs: 0, ...imapOpts },
    );
  }
  if (opts.pop3) {
    stack.pop3 = await startPop3(
      { core, throttle, tls, events, lock: new RedisMaildropLock(redisConn, { log }), log },
      { listeners },
    );
  }
  return stack;
}

/** An RFC 5322 message with CRLF line ends. */
export function message(subject: string, body: string, extraHeaders = ''): Buffer {
  return Buffer.from(
    `From: Sender Name <sender@remote.org>\r\nTo: Alice <alice@example.com>\r\nSubject: ${subject}\r\n` +
      `Date: Tue, 2 Jan 2024 09:00:00 +0000\r\nMessage-ID: <${subject.replace(/\W/g, '')}@remote.org>\r\n${extraHeaders}` +
      `MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}\r\n`,
  );
}

/** multipart/mixed with a text part and a small attachment. */
export function multipartMessage(subject: string): Buffer {
  return Buffer.from(
    [
      'From: Sender Name <sender@remote.org>',
      'To: Alice <alice@example.com>, bob@example.com',
      'Cc: "Carol C." <carol@example.net>',
      `Subject: ${subject}`,
      'Date: Tue, 2 Jan 2024 09:00:00 +0000',
      'Message-ID: <multi@remote.org>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="XXBOUNDARY"',
      '',
      'This is a multi-part message in MIME format.',
      '--XXBOUNDARY',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      'Bonjour Alice, voici la facture. Ça coûte 12 €.',
      '--XXBOUNDARY',
      'Content-Type: application/pdf; name="invoice.pdf"',
      'Content-Disposition: attachment; filename="invoice.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from('%PDF-1.4 fake pdf body').toString('base64'),
      '--XXBOUNDARY--',
      '',
    ].join('\r\n'),
  );
}

/** A message nested `depth` levels of multipart/mixed deep. */
export function deeplyNestedMessage(depth: number): Buffer {
  let body = 'Content-Type: text/plain\r\n\r\ninnermost text\r\n';
  for (let i = depth; i > 0; i--) {
    const b = `b${i}`;
    body = `Content-Type: multipart/mixed; boundary="${b}"\r\n\r\n--${b}\r\n${body}--${b}--\r\n`;
  }
  return Buffer.from(
    `From: a@remote.org\r\nTo: alice@example.com\r\nSubject: nested ${depth}\r\nMIME-Version: 1.0\r\n${body}`,
  );
}

/** imapflow answers `false` when a command gets NO: fail the test there. */
export function must<T>(v: T | false | undefined | null): T {
  if (v === false || v === undefined || v === null) throw new Error('expected a value, got ' + String(v));
  return v;
}
