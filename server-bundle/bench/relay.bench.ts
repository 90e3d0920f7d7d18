// Relay benchmark (Node 24: `npm run bench -- --json --only relay`): one Facteur server delivering
// to another over SMTP, as in the two-server test (knotd for DNS, certificates from a test CA,
// MTA-STS enforce so every connection is verified TLS). The outbound role of one.test (its own
// process) DKIM-signs (RSA-2048 + Ed25519) each 10 KB message and delivers it; the MX of two.test
// (its own process) checks SPF, DKIM, DMARC and ARC, scores it, and seals it into the spool with an
// fsync before its 250; one.test deletes each entry once delivered.
// relay_msgs_per_s: messages already in one's queue / time until the last one is delivered.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutboundQueue } from '../src/queue/outbound-queue.ts';
import { loadOrCreateServerSecrets } from '../src/storage/server-secrets.ts';
import { PeerStack } from '../tests/internet/peer-stack.ts';
import { startKnot } from '../tests/support/knot.ts';
import { startRedis } from '../tests/support/redis.ts';
import { createTestCa } from '../tests/support/test-ca.ts';

const json = process.argv.includes('--json');
const COUNT = Number(process.env.RELAY_COUNT ?? 1000);
const MESSAGE_BYTES = 10 * 1024;

function message(i: number): Buffer {
  const head =
    `From: Alice <alice@one.test>\r\nTo: bob@two.test\r\nSubject: relay ${i}\r\nDate: ${new Date().toUTCString()}\r\n` +
    `Message-ID: <r${i}.${randomBytes(4).toString('hex')}@one.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n`;
  const body = randomBytes(MESSAGE_BYTES).toString('base64').replace(/.{76}/g, '$&\r\n');
  return Buffer.from((head + body).slice(0, MESSAGE_BYTES - 2) + '\r\n');
}

const root = mkdtempSync(join(tmpdir(), 'facteur-relay-bench-'));
const base = 20000 + Math.floor(Math.random() * 4000);
const OFFSET = { one: base, two: base + 5000 };
const ca = createTestCa();
const redis = await startRedis();
const dnsPort = 40000 + Math.floor(Math.random() * 10000);
const peerConfig = (peerOffset: number, prefix: string, ip: string) => ({
  redis: { url: redis.url, keyPrefix: `${prefix}:` },
  dns: { servers: [`127.0.0.53:${dnsPort}`] },
  outbound: {
    concurrency: 16,
    scanIntervalMs: 500,
    deliveryPort: 25 + peerOffset,
    localAddress: ip,
    tlsCaFile: ca.certPath,
    mtaSts: { enabled: true, httpsPort: 443 + peerOffset, fetchTimeoutMs: 3_000 },
  },
  inbound: {
    trustedClients: [],
    dnsbl: { zones: [], reject: true },
    limits: { connectionsPerIp: 100, messagesPerIp: 100_000, windowMs: 60_000 },
  },
  mtaSts: { mode: 'enforce', mx: [], maxAgeSeconds: 86_400 },
  logLevel: 'warn',
});
const one = new PeerStack({
  root: join(root, 'one'),
  domain: 'one.test',
  address: '127.0.0.2',
  portOffset: OFFSET.one,
  config: peerConfig(OFFSET.two, 'one', '127.0.0.2'),
  tlsBundle: ca.issue(['mx.one.test', 'mta-sts.one.test']),
  users: { alice: 'alice bench' },
});
const two = new PeerStack({
  root: join(root, 'two'),
  domain: 'two.test',
  address: '127.0.0.3',
  portOffset: OFFSET.two,
  config: peerConfig(OFFSET.one, 'two', '127.0.0.3'),
  tlsBundle: ca.issue(['mx.two.test', 'mta-sts.two.test']),
  users: { bob: 'bob bench' },
});
await one.prepare();
await two.prepare();
const zone = (p: PeerStack, ip: string) => [
  { name: '@', type: 'MX' as const, value: `10 mx.${p.o.domain}.` },
  { name: 'mx', type: 'A' as const, value: ip },
  { name: 'ns', type: 'A' as const, value: ip },
  { name: 'mta-sts', type: 'A' as const, value: ip },
  { name: '@', type: 'TXT' as const, value: `v=spf1 ip4:${ip} -all` },
  { name: '_dmarc', type: 'TXT' as const, value: 'v=DMARC1; p=reject' },
  { name: '_mta-sts', type: 'TXT' as const, value: 'v=STSv1; id=1' },
  ...p.dkim.map((k) => ({
    name: k.dns.name.replace(`.${p.o.domain}`, ''),
    type: 'TXT' as const,
    value: k.dns.chunks,
  })),
];
const dns = await startKnot(
  { 'one.test': zone(one, '127.0.0.2'), 'two.test': zone(two, '127.0.0.3') },
  { address: '127.0.0.53', port: dnsPort },
);

const queueDir = join(one.dataDir, 'outbound');
// Messages are sealed into a staging queue (same key) and renamed into the real one all at once,
// so the timing covers delivery only, with the outbound process already running.
const stagingDir = join(one.dataDir, 'staging');
const staging = OutboundQueue.fromSecrets(
  stagingDir,
  await loadOrCreateServerSecrets(join(one.dataDir, 'secrets.json')),
);
mkdirSync(queueDir, { recursive: true, mode: 0o700 });
const pending = () => readdirSync(queueDir).filter((n) => n.endsWith('.msg')).length;
const spooled = () => {
  const dir = join(two.dataDir, 'spool');
  mkdirSync(dir, { recursive: true });
  return readdirSync(dir).reduce(
    (n, mb) => n + readdirSync(join(dir, mb)).filter((f) => f.endsWith('.sealed')).length,
    0,
  );
};

/** CPU time (user + system, ms) a process has used so far, from /proc. */
function cpuMs(pid: number | undefined): number {
  if (!pid) return 0;
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
}
const cpu: string[] = [];

async function relay(count: number): Promise<number> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    ids.push(
      await staging.enqueue(
        {
          mailFrom: 'alice@one.test',
          rcptTo: ['bob@two.test'],
          receivedAt: Date.now(),
          origin: 'submission',
        },
        message(i),
      ),
    );
  }
  const before = spooled();
  const procs = { outbound: one.pids.get('outbound'), mx: two.pids.get('front') };
  const cpu0 = { outbound: cpuMs(procs.outbound), mx: cpuMs(procs.mx) };
  const start = performance.now();
  for (const id of ids) renameSync(join(stagingDir, `${id}.msg`), join(queueDir, `${id}.msg`));
  while (pending() > 0) await new Promise((r) => setTimeout(r, 20));
  const seconds = (performance.now() - start) / 1000;
  cpu.push(
    `outbound ${((cpuMs(procs.outbound) - cpu0.outbound) / count).toFixed(1)} ms/msg, mx ${((cpuMs(procs.mx) - cpu0.mx) / count).toFixed(1)} ms/msg`,
  );
  if (spooled() - before !== count)
    throw new Error(`expected ${count} messages at two.test, found ${spooled() - before}`);
  return count / seconds;
}

try {
  await Promise.all([one.start(), two.startFront()]);
  await relay(100); // warm-up: TLS sessions, MTA-STS policy, DNS cache, JIT
  const rates = [await relay(COUNT), await relay(COUNT)];
  const best = Math.max(...rates);
  const results = { relay_msgs_per_s: Math.round(best) };
  if (json) console.log(JSON.stringify(results));
  else {
    console.log(
      `relay one.test -> two.test, ${MESSAGE_BYTES / 1024} KB messages, DKIM RSA+Ed25519, SPF/DKIM/DMARC/ARC checks, verified TLS`,
    );
    console.log(`runs of ${COUNT} (msgs/s): ${rates.map((r) => r.toFixed(0)).join(', ')}`);
    console.log(`CPU per message: ${cpu.slice(1).join('; ')}`);
    for (const [k, v] of Object.entries(results)) console.log(`${k.padEnd(40)} ${v}`);
  }
} finally {
  await Promise.allSettled([one.stop(), two.stop()]);
  await dns.stop();
  await redis.stop();
  rmSync(root, { recursive: true, force: true });
  rmSync(ca.dir, { recursive: true, force: true });
}
