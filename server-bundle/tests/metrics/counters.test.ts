// The protocol counters behind the metrics: SMTP accept (in/out) and refusals, failed logins over
// SMTP AUTH and IMAP, all counted in Redis and taken exactly once by the jobs role.
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log/logger.ts';
import { COUNTERS, RedisCounters, takeCounts } from '../../src/metrics/counters.ts';
import { countingFailedLogins } from '../../src/metrics/counting-throttle.ts';
import { RedisMailboxEvents } from '../../src/notify/redis-events.ts';
import { startImap } from '../../src/protocols/imap/start-imap.ts';
import { startMx, startSubmission, type RunningRole } from '../../src/protocols/smtp/index.ts';
import { OutboundQueue } from '../../src/queue/outbound-queue.ts';
import { RedisLoginThrottle } from '../../src/security/login-throttle.ts';
import { connectRedis, type RedisConnection } from '../../src/storage/redis-adapter.ts';
import { loadOrCreateServerSecrets } from '../../src/storage/server-secrets.ts';
import { TlsProvider } from '../../src/tls/tls-provider.ts';
import { newCore } from '../helpers/core.ts';
import { useTmpDir } from '../helpers/tmp.ts';
import { SmtpWire } from '../support/smtp-wire.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';

const tmp = useTmpDir('facteur-counters-');
let redis: TestRedis;
let conn: RedisConnection;
beforeAll(async () => {
  redis = await startRedis();
  conn = connectRedis({ ...redis.options, keyPrefix: 'counters-test:' });
});
afterAll(async () => {
  await conn?.quit();
  await redis?.stop();
});

describe('counters', () => {
  it('count SMTP messages in, out and refused, and failed logins on every protocol', async () => {
    const dir = tmp();
    const { core, recovery } = await newCore(dir);
    const PASSWORD = 'correct horse battery staple';
    await core.accounts.createMailbox({
      address: 'alice@example.com',
      password: PASSWORD,
      recoveryPublicKey: recovery.publicKey.bytes,
    });
    const tls = await TlsProvider.loadOrCreate({
      dir: join(dir, 'tls'),
      hostNames: ['mail.example.com', '127.0.0.1'],
    });
    const outbound = OutboundQueue.fromSecrets(
      join(dir, 'outbound'),
      await loadOrCreateServerSecrets(join(dir, 'secrets.json')),
    );
    const counters = new RedisCounters(conn);
    const throttle = countingFailedLogins(new RedisLoginThrottle(conn, { maxFailures: 100 }), counters);
    const deps = { core, throttle, tls, outbound, log: silentLogger, counters };
    const limits = { maxMessageBytes: 1000 };
    const common = { hostname: 'mail.example.com', hosts: ['127.0.0.1'], closeTimeoutMs: 200 };
    const mx: RunningRole = await startMx(deps, { ...common, ...limits, port: 0 });
    const sub: RunningRole = await startSubmission(deps, { ...common, port: null, tlsPort: 0 });
    const imap = await startImap(
      { core, throttle, tls, events: new RedisMailboxEvents(conn), log: silentLogger },
      { listeners: [{ host: '127.0.0.1', port: 0, tls: 'implicit' }], pollIntervalMs: 0 },
    );
    try {
      const mxPort = mx.addresses[0]!.port;
      const msg = 'From: bob@far.test\r\nTo: alice@example.com\r\nSubject: hi\r\n\r\nhello\r\n';
      for (let i = 0; i < 2; i++) {
        const w = await SmtpWire.connect({ host: '127.0.0.1', port: mxPort });
        await w.ehlo();
        expect((await w.send('bob@far.test', ['alice@example.com'], msg)).code).toBe(250);
        await w.quit();
      }
      // Refusals: unknown local user, relay attempt. (Syntax errors the SMTP library answers itself,
      // before any hook, are not counted: they are not messages.)
      const w = await SmtpWire.connect({ host: '127.0.0.1', port: mxPort });
      await w.ehlo();
      expect((await w.cmd('MAIL FROM:<bob@far.test>')).code).toBe(250);
      expect((await w.cmd('RCPT TO:<nobody@example.com>')).code).toBe(550);
      expect((await w.cmd('RCPT TO:<someone@elsewhere.test>')).code).toBeGreaterThanOrEqual(500);
      await w.cmd('RSET');
      expect((await w.cmd('MAIL FROM:<not an address>')).code).toBeGreaterThanOrEqual(500);
      expect((await w.cmd('MAIL FROM:<bob@far.test>')).code).toBe(250);
      expect((await w.cmd('RCPT TO:<alice@example.com>')).code).toBe(250);
      expect((await w.cmd('DATA')).code).toBe(354);
      await w.write(`Subject: big\r\n\r\n${`${'x'.repeat(76)}\r\n`.repeat(2000)}.\r\n`); // 156 KB
      expect((await w.read()).code).toBe(552); // over the (test) message size limit, refused at DATA
      await w.quit();

      const submissionPort = sub.addresses[0]!.port;
      const transport = (pass: string) =>
        nodemailer.createTransport({
          host: '127.0.0.1',
          port: submissionPort,
          secure: true,
          tls: { rejectUnauthorized: false },
          auth: { user: 'alice@example.com', pass },
        });
      await expect(
        transport('wrong').sendMail({ from: 'alice@example.com', to: 'carol@far.test', text: 'x' }),
      ).rejects.toThrow(/535|auth/i);
      await transport(PASSWORD).sendMail({
        from: 'alice@example.com',
        to: 'carol@far.test',
        subject: 'out',
        text: 'going out',
      });

      const client = new ImapFlow({
        host: '127.0.0.1',
        port: imap.addresses[0]!.port,
        secure: true,
        tls: { rejectUnauthorized: false },
        auth: { user: 'alice@example.com', pass: 'nope' },
        logger: false,
      });
      await expect(client.connect()).rejects.toThrow();
      client.close();

      await new Promise((r) => setTimeout(r, 100)); // increments are fire-and-forget
      const taken = await takeCounts(conn, [...COUNTERS]);
      expect(taken).toEqual({ messages_in: 2, messages_out: 1, messages_rejected: 3, logins_failed: 2 });
      // Taken once: the next round starts from zero.
      expect(await takeCounts(conn, [...COUNTERS])).toEqual({
        messages_in: 0,
        messages_out: 0,
        messages_rejected: 0,
        logins_failed: 0,
      });
    } finally {
      await Promise.all([mx.close(), sub.close(), imap.close()]);
      core.close();
    }
  });
});
