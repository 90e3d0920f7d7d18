/**
 * A real authoritative DNS server for tests: Knot DNS (apt package `knot`) on a loopback address,
 * with its own configuration, run directory and PID, zones given as master-file text, and a TSIG
 * key (hmac-sha256) allowed to update the zones named in `updatable`. Stopped by PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DnsClient } from '../../src/main/services/dns/dns-client';

export interface KnotOptions {
  address: string;
  port: number;
  /** Zone name -> master-file text ($ORIGIN is the zone). */
  zones: Record<string, string>;
  updatable: string[];
  keyName?: string;
}

export interface Knot {
  address: string;
  port: number;
  key: { name: string; algorithm: 'hmac-sha256'; secret: string };
  pid: number;
  dir: string;
  log: () => string;
  stop: () => Promise<void>;
}

export async function startKnot(opts: KnotOptions): Promise<Knot> {
  const dir = mkdtempSync(join(tmpdir(), 'facteur-dns-knot-'));
  for (const d of ['run', 'db', 'zones']) mkdirSync(join(dir, d));
  const key = {
    name: opts.keyName ?? 'facteur-test.',
    algorithm: 'hmac-sha256' as const,
    secret: randomBytes(32).toString('base64'),
  };
  for (const [zone, text] of Object.entries(opts.zones))
    writeFileSync(join(dir, 'zones', `${zone}.zone`), text);
  const conf = `server:
    rundir: "${dir}/run"
    pidfile: "${dir}/run/knot.pid"
    listen: ${opts.address}@${opts.port}
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
control:
    listen: "${dir}/run/knot.sock"
database:
    storage: "${dir}/db"
log:
  - target: stderr
    any: info
key:
  - id: ${key.name}
    algorithm: ${key.algorithm}
    secret: ${key.secret}
acl:
  - id: update
    key: ${key.name}
    action: update
template:
  - id: default
    storage: "${dir}/zones"
    file: "%s.zone"
    zonefile-sync: -1
    journal-content: changes
zone:
${Object.keys(opts.zones)
  .map((z) => `  - domain: ${z}\n${opts.updatable.includes(z) ? '    acl: update\n' : ''}`)
  .join('')}`;
  writeFileSync(join(dir, 'knot.conf'), conf);
  const logPath = join(dir, 'knot.log');
  const out = openSync(logPath, 'a');
  const child: ChildProcess = spawn('knotd', ['-c', join(dir, 'knot.conf')], { stdio: ['ignore', out, out] });
  const pid = child.pid;
  if (pid === undefined) throw new Error('knotd did not start (is the apt package "knot" installed?)');
  const log = () => readFileSync(logPath, 'utf8');
  let exited = false;
  child.once('exit', () => (exited = true));

  const stop = async () => {
    if (!exited) {
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      process.kill(pid, 'SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
      if (!exited) process.kill(pid, 'SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };

  // Ready once every zone answers its SOA.
  const client = new DnsClient({ timeoutMs: 300, tries: 1 });
  const deadline = Date.now() + 15_000;
  for (const zone of Object.keys(opts.zones)) {
    for (;;) {
      if (exited) throw new Error(`knotd exited:\n${log()}`);
      const answer = await client
        .query({ address: opts.address, port: opts.port }, zone, 'SOA', { recursionDesired: false })
        .catch(() => undefined);
      if (answer?.rcode === 'NOERROR' && answer.answers.length) break;
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`knotd did not serve ${zone} within 15 s:\n${log()}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { address: opts.address, port: opts.port, key, pid, dir, log, stop };
}

/** A minimal zone: SOA and one name server, whose address is the test server's. */
export function baseZone(zone: string, nsAddress: string, extra = ''): string {
  return `$ORIGIN ${zone}.
$TTL 300
@ SOA ns1.${zone}. hostmaster.${zone}. 1 3600 600 86400 300
@ NS ns1.${zone}.
ns1 A ${nsAddress}
${extra}`;
}
