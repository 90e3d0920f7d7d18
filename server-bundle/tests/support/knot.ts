// A private authoritative DNS server (knotd) for a test file, on a loopback address and port of
// its choosing, serving the zones it is given. stop() kills it by its PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ZoneRecord {
  name: string; // relative to the zone ('@' for the apex)
  type: 'A' | 'AAAA' | 'MX' | 'TXT' | 'NS' | 'CNAME' | 'PTR';
  /** TXT: one string or the strings of one record (each ≤ 255 bytes); others: the RDATA as written in a zone file. */
  value: string | string[];
}

export interface TestDns {
  address: string;
  port: number;
  /** "ip:port" for dns.servers */
  server: string;
  pid: number;
  stop(): Promise<void>;
}

function zoneText(domain: string, records: readonly ZoneRecord[]): string {
  const quote = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  const lines = [
    `$ORIGIN ${domain}.`,
    '$TTL 60',
    `@ SOA ns.${domain}. hostmaster.${domain}. 1 3600 600 86400 60`,
    `@ NS ns.${domain}.`,
  ];
  for (const r of records) {
    const v =
      r.type === 'TXT'
        ? (Array.isArray(r.value) ? r.value : [r.value]).map(quote).join(' ')
        : String(r.value);
    lines.push(`${r.name} ${r.type} ${v}`);
  }
  return lines.join('\n') + '\n';
}

function waitTcp(host: string, port: number, ms: number): Promise<void> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const s = createConnection({ host, port }, () => {
        s.destroy();
        resolve();
      });
      s.on('error', () => {
        s.destroy();
        if (Date.now() - t0 > ms)
          reject(new Error(`knotd did not listen on ${host}:${port} within ${ms} ms`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

export async function startKnot(
  zones: Record<string, ZoneRecord[]>,
  opts: { address?: string; port?: number } = {},
): Promise<TestDns> {
  const address = opts.address ?? '127.0.0.53';
  const port = opts.port ?? 5353;
  const dir = mkdtempSync(join(tmpdir(), 'facteur-knot-'));
  const zoneConf: string[] = [];
  for (const [domain, records] of Object.entries(zones)) {
    writeFileSync(join(dir, `${domain}.zone`), zoneText(domain, records));
    zoneConf.push(`  - domain: ${domain}\n    file: ${join(dir, `${domain}.zone`)}`);
  }
  writeFileSync(
    join(dir, 'knot.conf'),
    [
      'server:',
      `    listen: ${address}@${port}`,
      `    rundir: ${dir}`,
      'database:',
      `    storage: ${dir}`,
      'log:',
      '  - target: stderr',
      '    any: warning',
      'template:',
      '  - id: default',
      `    storage: ${dir}`,
      '    zonefile-sync: -1',
      '    journal-content: none',
      'zone:',
      ...zoneConf,
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn('knotd', ['-c', join(dir, 'knot.conf')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await Promise.race([
      waitTcp(address, port, 10_000),
      exited.then(() => {
        throw new Error(`knotd exited: ${err}`);
      }),
    ]);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  return {
    address,
    port,
    server: `${address}:${port}`,
    pid: child.pid!,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(child.pid!, 'SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
        if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
