/**
 * Server stack benchmarks on the test bed. Prints one JSON object on stdout:
 *   image_gzip_mb        the image archive the desktop ships (docker save | gzip -6), MiB
 *   stack_cold_start_s   containers created -> every role answering its protocol: the deployer's
 *                        in-container probes (all roles, heartbeats included) and, from the test
 *                        machine, every public port's greeting; first start after the image load
 *   stack_idle_pss_mb    sum of the PSS of every process of every container after 60 s idle, MiB
 * FACTEUR_BENCH_VPS (default 2) picks the VPS; FACTEUR_BENCH_PER_ROLE=1 also measures the
 * one-process-per-role layout (stack_idle_pss_mb_per_role).
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { SshConnection } from '../../src/main/services/ssh/ssh-client';
import type { ImageArchive } from '../../src/main/services/stack/image-archive';
import type { DeployProgress } from '../../src/main/services/stack/stack-deployer';
import type { StackLayout } from '../../src/main/services/stack/stack-spec';
import { startVps, stopVps, vpsStatus } from '../infra/testbed';
import { cleanStack, connectVps, deployerFor, ensureServerImage, stackPss } from '../support/server-stack';

const N = Number(process.env.FACTEUR_BENCH_VPS ?? 2);
const MiB = 1024 * 1024;
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Public ports and what their first answer looks like (HTTP ports need a request first). */
const PUBLIC: Array<{ port: number; tls: boolean; expect: RegExp; send?: string }> = [
  { port: 25, tls: false, expect: /^220 / },
  { port: 465, tls: true, expect: /^220 / },
  { port: 587, tls: false, expect: /^220 / },
  { port: 993, tls: true, expect: /^\* OK/ },
  { port: 143, tls: false, expect: /^\* OK/ },
  { port: 995, tls: true, expect: /^\+OK/ },
  { port: 110, tls: false, expect: /^\+OK/ },
  {
    port: 80,
    tls: false,
    expect: /^HTTP\/1\.1 \d{3}/,
    send: 'GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n',
  },
  {
    port: 443,
    tls: true,
    expect: /^HTTP\/1\.1 \d{3}/,
    send: 'GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n',
  },
];

function answers(host: string, p: (typeof PUBLIC)[number]): Promise<boolean> {
  return new Promise((resolve) => {
    let got = '';
    const done = (ok: boolean) => {
      clearTimeout(timer);
      s.destroy();
      resolve(ok);
    };
    const onConnect = () => p.send && s.write(p.send);
    const s: Socket = p.tls
      ? tlsConnect({ host, port: p.port, rejectUnauthorized: false }, onConnect)
      : netConnect({ host, port: p.port }, onConnect);
    const timer = setTimeout(() => done(false), 2000);
    s.on('error', () => done(false));
    s.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (got.includes('\r\n')) done(p.expect.test(got));
    });
  });
}

/** Resolves with the time (ms, performance.now) at which every public port had answered once. */
async function publicPortsAnswer(host: string, deadline: number): Promise<number> {
  const pending = new Set(PUBLIC);
  while (pending.size && performance.now() < deadline) {
    await Promise.all(
      [...pending].map(async (p) => {
        if (await answers(host, p)) pending.delete(p);
      }),
    );
    if (pending.size) await sleep(50);
  }
  if (pending.size) throw new Error(`ports never answered: ${[...pending].map((p) => p.port).join(', ')}`);
  return performance.now();
}

async function measure(
  conn: SshConnection,
  archive: ImageArchive,
  host: string,
  layout: StackLayout,
): Promise<{ coldStartS: number; pssMb: number }> {
  await cleanStack(N, { data: true });
  let created = 0;
  let external: Promise<number> | undefined;
  const onProgress = (p: DeployProgress) => {
    if (p.step === 'containers' && p.state === 'created') {
      created = performance.now();
      external = publicPortsAnswer(host, created + 60_000);
    }
  };
  const deployer = deployerFor(conn, archive, { layout, onProgress });
  await deployer.deploy();
  const allHealthy = performance.now();
  const publicAnswered = await external!;
  const coldStartS = (Math.max(allHealthy, publicAnswered) - created) / 1000;
  process.stderr.write(`[stack bench] ${layout}: cold start ${round(coldStartS, 2)} s; idle 60 s...\n`);
  await sleep(60_000);
  const pss = await stackPss(N);
  for (const p of pss.processes)
    process.stderr.write(`  ${p.container} ${p.pid} ${(p.pssKb / 1024).toFixed(1)} MiB ${p.cmd}\n`);
  return { coldStartS, pssMb: pss.totalKb / 1024 };
}

void (async () => {
  const archive = await ensureServerImage();
  const wasRunning = (await vpsStatus(N).catch(() => undefined))?.running ?? false;
  const vps = await startVps(N);
  const conn = await connectVps(vps);
  const results: Record<string, number> = { image_gzip_mb: round(archive.manifest.bytes / MiB) };
  try {
    const grouped = await measure(conn, archive, vps.host, 'grouped');
    results.stack_cold_start_s = round(grouped.coldStartS, 2);
    results.stack_idle_pss_mb = round(grouped.pssMb);
    if (process.env.FACTEUR_BENCH_PER_ROLE === '1') {
      const perRole = await measure(conn, archive, vps.host, 'per-role');
      results.stack_cold_start_s_per_role = round(perRole.coldStartS, 2);
      results.stack_idle_pss_mb_per_role = round(perRole.pssMb);
    }
  } finally {
    conn.close();
    await cleanStack(N, { data: true, image: true }).catch(() => undefined);
    if (!wasRunning) await stopVps(N).catch(() => undefined);
  }
  process.stdout.write(JSON.stringify(results) + '\n');
})().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
