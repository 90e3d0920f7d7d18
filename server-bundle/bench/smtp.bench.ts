// SMTP ingest benchmark (run on Node 24: `npm run bench -- --json`).
// The MX role runs in its own process (as in production), fsyncing every message into the sealed
// spool before its 250; this process drives 4 concurrent connections of 10 KB messages, with
// PIPELINING (MAIL, RCPT, DATA in one packet) as sending MTAs do.
// Prints smtp_ingest_msgs_per_s (and, without --json, some detail).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const json = args.includes('--json');
const CONNECTIONS = 4;
const MESSAGE_BYTES = 10 * 1024;

if (args.includes('--serve')) {
  await serve(args[args.indexOf('--serve') + 1]!);
} else {
  await main();
}

/** The MX role, in this child process. */
async function serve(dataDir: string): Promise<void> {
  const { generateKeyPair } = await import('../src/crypto/hybrid-kem.ts');
  const { MailCore } = await import('../src/domain/mail-core.ts');
  const { silentLogger } = await import('../src/log/logger.ts');
  const { startMx } = await import('../src/protocols/smtp/index.ts');
  const { OutboundQueue } = await import('../src/queue/outbound-queue.ts');
  const { noLoginThrottle } = await import('../src/security/login-throttle.ts');
  const { loadOrCreateServerSecrets } = await import('../src/storage/server-secrets.ts');
  const { TlsProvider } = await import('../src/tls/tls-provider.ts');
  const core = await MailCore.open({ dataDir, kdfCost: { memory: 1024, passes: 1, parallelism: 1 } });
  core.config.addDomain('example.com');
  await core.accounts.createMailbox({
    address: 'bench@example.com',
    password: 'bench',
    recoveryPublicKey: generateKeyPair().publicKey.bytes,
  });
  const secrets = await loadOrCreateServerSecrets(join(dataDir, 'secrets.json'));
  const mx = await startMx(
    {
      core,
      throttle: noLoginThrottle,
      tls: await TlsProvider.loadOrCreate({ dir: join(dataDir, 'tls'), hostNames: ['bench.example.com'] }),
      outbound: OutboundQueue.fromSecrets(join(dataDir, 'queue', 'outbound'), secrets),
      log: silentLogger,
    },
    { hostname: 'bench.example.com', port: 0, hosts: ['127.0.0.1'], closeTimeoutMs: 100 },
  );
  process.stdout.write(JSON.stringify({ port: mx.addresses[0]!.port }) + '\n');
  process.once('SIGTERM', async () => {
    if (process.env.BENCH_CPU) {
      const u = process.cpuUsage();
      process.stderr.write(
        `server cpu user ${(u.user / 1e3).toFixed(0)} ms, system ${(u.system / 1e3).toFixed(0)} ms\n`,
      );
    }
    await mx.close();
    core.close();
    process.exit(0);
  });
}

function message(i: number): Buffer {
  const head = `From: load@remote.org\r\nTo: bench@example.com\r\nSubject: bench ${i}\r\nMessage-ID: <b${i}@remote.org>\r\n\r\n`;
  const body = randomBytes(MESSAGE_BYTES).toString('base64').replace(/.{76}/g, '$&\r\n');
  return Buffer.from((head + body).slice(0, MESSAGE_BYTES - 2) + '\r\n');
}

async function main(): Promise<void> {
  const { SmtpWire } = await import('../tests/support/smtp-wire.ts');
  const dataDir = mkdtempSync(join(tmpdir(), 'facteur-smtp-bench-'));
  const child = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_PROF ? ['--cpu-prof', '--cpu-prof-dir=' + process.env.BENCH_PROF] : []),
      fileURLToPath(import.meta.url),
      '--serve',
      dataDir,
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, UV_THREADPOOL_SIZE: process.env.BENCH_POOL ?? '4' },
    },
  );
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout!.once('data', (d: Buffer) => resolve((JSON.parse(d.toString()) as { port: number }).port));
      child.once('exit', (c) => reject(new Error(`bench server exited ${c}`)));
    });
    const messages = Array.from({ length: 64 }, (_, i) => message(i));
    const run = async (count: number): Promise<number> => {
      let next = 0;
      const start = performance.now();
      await Promise.all(
        Array.from({ length: CONNECTIONS }, async () => {
          const c = await SmtpWire.connect({ host: '127.0.0.1', port });
          await c.ehlo('bench.client');
          while (next < count) {
            const i = next++;
            const r = await c.sendPipelined(
              'load@remote.org',
              ['bench@example.com'],
              messages[i % messages.length]!,
            );
            if (r.code !== 250) throw new Error(`refused: ${r.code} ${r.text}`);
          }
          await c.quit();
        }),
      );
      return count / ((performance.now() - start) / 1000);
    };
    await run(200); // warm-up (JIT, spool directory, TLS-free path)
    const rates: number[] = [];
    for (let i = 0; i < 3; i++) rates.push(await run(1000));
    rates.sort((a, b) => a - b);
    const median = rates[1]!;
    const results = { smtp_ingest_msgs_per_s: Math.round(median) };
    if (json) console.log(JSON.stringify(results));
    else {
      console.log(
        `smtp ingest, ${CONNECTIONS} connections, ${MESSAGE_BYTES / 1024} KB messages, fsync per message`,
      );
      console.log(`runs (msgs/s): ${rates.map((r) => r.toFixed(0)).join(', ')}`);
      for (const [k, v] of Object.entries(results)) console.log(`${k.padEnd(40)} ${v}`);
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}
