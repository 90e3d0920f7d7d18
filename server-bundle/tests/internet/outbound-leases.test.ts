// Two outbound processes (the role runner, `role outbound`, twice) on one queue directory and one
// Redis: every entry is delivered exactly once when nothing crashes, and both processes take part.
// The remote side is a real SMTP server (smtp-server) found through MX records in a knotd zone; it
// counts what it receives per message and which process (EHLO name) sent it. A process SIGKILLed
// while holding leases: its entries go out once the leases run out (outbound.lease.ttlMs).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { OutboundQueue } from '../../src/queue/outbound-queue.ts';
import { loadOrCreateServerSecrets } from '../../src/storage/server-secrets.ts';
import { startKnot, type TestDns } from '../support/knot.ts';
import { freePort, startRedis, type TestRedis } from '../support/redis.ts';
import { createTestCa, type TestCa } from '../support/test-ca.ts';
import { PeerStack } from './peer-stack.ts';

const root = mkdtempSync(join(tmpdir(), 'facteur-outbound-leases-'));
const OFFSET = 20000 + Math.floor(Math.random() * 9000);
const DNS = { address: '127.0.0.53', port: 40000 + Math.floor(Math.random() * 10000) };
const SINK_IP = '127.0.0.6';
const LEASE = { ttlMs: 1_500, renewEveryMs: 300 };

let ca: TestCa;
let dns: TestDns | undefined;
let redis: TestRedis | undefined;
let sink: SMTPServer | undefined;
let one: PeerStack;
/** Subject -> EHLO names of each delivery of it. */
const received = new Map<string, string[]>();
/** Sink's answer time per message, ms (keeps several deliveries in flight in each process). */
let sinkDelayMs = 30;

/** A message counts as received when its 250 goes out on a connection still open. */
async function startSink(port: number): Promise<SMTPServer> {
  const closed = new Set<string>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 1024 * 1024,
    onClose(session) {
      closed.add(session.id);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const subject = /^Subject: (.*)$/im.exec(Buffer.concat(chunks).toString('utf8'))?.[1]?.trim() ?? '';
        setTimeout(() => {
          if (closed.has(session.id)) return callback(new Error('connection closed'));
          received.set(subject, [...(received.get(subject) ?? []), String(session.hostNameAppearsAs)]);
          callback();
        }, sinkDelayMs);
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, SINK_IP, () => resolve());
  });
  return server;
}

async function waitFor<T>(what: string, ms: number, probe: () => T | undefined): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const queueCount = () => readdirSync(join(one.dataDir, 'outbound')).filter((n) => n.endsWith('.msg')).length;

async function enqueue(subjects: string[]): Promise<void> {
  const secrets = await loadOrCreateServerSecrets(join(one.dataDir, 'secrets.json'));
  const queue = OutboundQueue.fromSecrets(join(one.dataDir, 'outbound'), secrets);
  for (const subject of subjects) {
    await queue.enqueue(
      {
        mailFrom: 'alice@one.test',
        rcptTo: ['dest@sink.test'],
        receivedAt: Date.now(),
        origin: 'submission',
      },
      Buffer.from(
        `From: alice@one.test\r\nTo: dest@sink.test\r\nSubject: ${subject}\r\nDate: Sat, 28 Nov 2026 08:00:00 +0000\r\nMessage-ID: <${randomBytes(6).toString('hex')}@one.test>\r\n\r\n${'x'.repeat(2000)}\r\n`,
      ),
    );
  }
}

/** Deliveries per subject for this batch (0 when not received). */
const counts = (subjects: string[]) => subjects.map((s) => received.get(s)?.length ?? 0);

let anyFailed = false;
beforeEach(({ onTestFailed }) => onTestFailed(() => void (anyFailed = true)));

beforeAll(async () => {
  ca = createTestCa();
  redis = await startRedis();
  const sinkPort = await freePort(SINK_IP);
  sink = await startSink(sinkPort);
  one = new PeerStack({
    root: join(root, 'one'),
    domain: 'one.test',
    address: '127.0.0.2',
    portOffset: OFFSET,
    config: {
      redis: { url: redis.url, keyPrefix: 'leases:' },
      dns: { servers: [`${DNS.address}:${DNS.port}`], cacheTtlMs: 5_000 },
      outbound: {
        concurrency: 8,
        scanIntervalMs: 200,
        deliveryPort: sinkPort,
        localAddress: '127.0.0.2',
        heloName: 'a.one.test',
        connectTimeoutMs: 2_000,
        commandTimeoutMs: 10_000,
        mtaSts: { enabled: false, httpsPort: 443, fetchTimeoutMs: 1_000 },
        lease: LEASE,
      },
    },
    tlsBundle: ca.issue(['mx.one.test']),
    users: { alice: 'alice password' },
  });
  await one.prepare();
  // The second process: same data directory, queue and Redis; another EHLO name, to tell them apart.
  const config = JSON.parse(readFileSync(one.configPath, 'utf8')) as { outbound: Record<string, unknown> };
  config.outbound.heloName = 'b.one.test';
  writeFileSync(join(one.o.root, 'facteur-b.json'), JSON.stringify(config));
  dns = await startKnot(
    {
      'sink.test': [
        { name: '@', type: 'MX', value: '10 mx.sink.test.' },
        { name: 'ns', type: 'A', value: SINK_IP },
        { name: 'mx', type: 'A', value: SINK_IP },
      ],
    },
    DNS,
  );
}, 120_000);

afterAll(async () => {
  await one?.stop();
  await new Promise<void>((r) => (sink ? sink.close(() => r()) : r()));
  await dns?.stop();
  await redis?.stop();
  if (!process.env.FACTEUR_KEEP_TEST_DIRS && !anyFailed) rmSync(root, { recursive: true, force: true });
  if (ca) rmSync(ca.dir, { recursive: true, force: true });
}, 60_000);

describe('two outbound processes on one queue', () => {
  it('deliver each entry exactly once, sharing the work', async () => {
    const N = 120;
    const tag = randomBytes(3).toString('hex');
    const subjects = Array.from({ length: N }, (_, i) => `lease ${tag} #${i}`);
    await enqueue(subjects);
    expect(queueCount()).toBe(N);
    // Both start on a full queue at the same moment: both read the same directory listing.
    await Promise.all([
      one.startProcess('outbound-a', ['outbound']),
      one.startProcess('outbound-b', ['outbound'], join(one.o.root, 'facteur-b.json')),
    ]);
    await waitFor('an empty queue', 60_000, () => (queueCount() === 0 ? true : undefined));
    await waitFor(`${N} messages at the sink`, 10_000, () =>
      counts(subjects).every((c) => c >= 1) ? true : undefined,
    );
    await new Promise((r) => setTimeout(r, 500)); // a late second copy would arrive by now
    const c = counts(subjects);
    const byProcess = { a: 0, b: 0 };
    for (const s of subjects)
      for (const h of received.get(s) ?? []) byProcess[h === 'b.one.test' ? 'b' : 'a']++;
    console.log(
      `two outbound processes: ${N} entries, ${c.filter((n) => n === 1).length} delivered once, ${c.filter((n) => n > 1).length} more than once; a sent ${byProcess.a}, b sent ${byProcess.b}`,
    );
    expect(c.filter((n) => n !== 1)).toEqual([]);
    expect(byProcess.a).toBeGreaterThan(0);
    expect(byProcess.b).toBeGreaterThan(0);
  }, 120_000);

  it('takes over the entries of a SIGKILLed process once their leases run out (at-least-once)', async () => {
    const N = 40;
    const tag = randomBytes(3).toString('hex');
    const subjects = Array.from({ length: N }, (_, i) => `takeover ${tag} #${i}`);
    // Slow answers so that process a holds leases on its in-flight entries when it dies; only a
    // message whose 250 arrived before the kill but whose deletion did not may arrive twice.
    sinkDelayMs = 400;
    await enqueue(subjects);
    await waitFor('deliveries under way', 20_000, () =>
      counts(subjects).some((n) => n > 0) ? true : undefined,
    );
    one.crash('outbound-a');
    const killedAt = Date.now();
    sinkDelayMs = 30;
    await waitFor('an empty queue', 60_000, () => (queueCount() === 0 ? true : undefined));
    await new Promise((r) => setTimeout(r, 500));
    const c = counts(subjects);
    expect(c.filter((n) => n === 0)).toEqual([]);
    const duplicates = c.reduce((a, n) => a + n - 1, 0);
    console.log(
      `SIGKILL of one of two outbound processes: ${N} entries, all delivered, ${duplicates} duplicates, queue empty ${Date.now() - killedAt} ms after the kill`,
    );
    // At-least-once: at most the entries process a had in flight (concurrency 8) come twice.
    expect(duplicates).toBeLessThanOrEqual(8);
  }, 120_000);
});
