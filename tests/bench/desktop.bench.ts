/**
 * Desktop benchmarks. Prints one JSON object on stdout:
 *   ssh_connect_exec_ms  connect + host key check + auth + exec `true`, median of 20, to the test bed VPS
 *   renderer_js_gzip_kb  the renderer's JavaScript, gzipped
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { connectSsh } from '../../src/main/services/ssh/ssh-client';
import { ensureTestbed, startVps } from '../infra/testbed';
import { scanFingerprint } from '../support/ssh';

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

function rendererJsGzipKb(): number {
  if (!existsSync('out/renderer/index.html'))
    execFileSync('npx', ['electron-vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
  const dir = 'out/renderer/assets';
  const bytes = readdirSync(dir)
    .filter((f) => f.endsWith('.js'))
    .reduce((sum, f) => sum + gzipSync(readFileSync(join(dir, f)), { level: 9 }).length, 0);
  return Math.round((bytes / 1024) * 10) / 10;
}

async function sshConnectExecMs(): Promise<number> {
  await ensureTestbed();
  const vps = await startVps(1);
  const fingerprint = scanFingerprint(vps.host, vps.port);
  const privateKey = readFileSync(vps.clientKeyPath, 'utf8');
  const times: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    const conn = await connectSsh(vps, { privateKey }, { fingerprint }, { readyMs: 10_000, keepaliveMs: 0 });
    const res = await conn.exec('true');
    conn.close();
    if (res.code !== 0) throw new Error('`true` failed on the VPS');
    times.push(performance.now() - t0);
  }
  return Math.round(median(times) * 10) / 10;
}

void (async () => {
  const results = { ssh_connect_exec_ms: await sshConnectExecMs(), renderer_js_gzip_kb: rendererJsGzipKb() };
  process.stdout.write(JSON.stringify(results) + '\n');
})().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
