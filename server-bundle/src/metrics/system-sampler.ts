// Host figures for the metrics: CPU, memory, disk of the data directory's file system, load and
// network traffic. Roles run with host networking, so /proc shows the VPS itself. Rates (CPU %,
// bytes per second) come from the difference with the previous sample: the first call has none.
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { readFile, statfs } from 'node:fs/promises';

export interface SystemSample {
  cpuPercent?: number;
  memPercent: number;
  memUsedBytes: number;
  memTotalBytes: number;
  diskPercent: number;
  diskFreeBytes: number;
  diskTotalBytes: number;
  load1: number;
  netRxBytesPerS?: number;
  netTxBytesPerS?: number;
}

interface CpuTimes {
  idle: number;
  total: number;
}

/** Aggregate CPU time from /proc/stat (idle includes iowait; steal counts as busy), or os.cpus(). */
async function cpuTimes(): Promise<CpuTimes> {
  try {
    const line = (await readFile('/proc/stat', 'utf8')).split('\n', 1)[0]!;
    const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
    if (f.length >= 4 && f.every(Number.isFinite)) {
      return { idle: f[3]! + (f[4] ?? 0), total: f.reduce((a, b) => a + b, 0) };
    }
  } catch {
    // not Linux
  }
  let idle = 0;
  let total = 0;
  for (const c of cpus()) {
    const t = c.times;
    idle += t.idle;
    total += t.user + t.nice + t.sys + t.idle + t.irq;
  }
  return { idle, total };
}

async function memory(): Promise<{ used: number; total: number }> {
  try {
    const text = await readFile('/proc/meminfo', 'utf8');
    const kb = (name: string) =>
      Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) * 1024;
    const total = kb('MemTotal');
    const available = kb('MemAvailable');
    if (Number.isFinite(total) && Number.isFinite(available)) return { used: total - available, total };
  } catch {
    // not Linux: fall back to what os knows
  }
  return { used: totalmem() - freemem(), total: totalmem() };
}

/** Bytes received and sent by every interface but loopback, since boot; undefined without /proc. */
async function network(): Promise<{ rx: number; tx: number } | undefined> {
  try {
    const text = await readFile('/proc/net/dev', 'utf8');
    let rx = 0;
    let tx = 0;
    for (const line of text.split('\n').slice(2)) {
      const m = /^\s*([^:]+):\s*(.*)$/.exec(line);
      if (!m || m[1] === 'lo') continue;
      const f = m[2]!.trim().split(/\s+/).map(Number);
      rx += f[0] ?? 0;
      tx += f[8] ?? 0;
    }
    return { rx, tx };
  } catch {
    return undefined;
  }
}

export class SystemSampler {
  readonly #dir: string;
  #cpu: CpuTimes | undefined;
  #net: { rx: number; tx: number; at: number } | undefined;

  /** dir: a path on the file system whose usage is reported (the data directory). */
  constructor(dir: string) {
    this.#dir = dir;
  }

  async sample(now = Date.now()): Promise<SystemSample> {
    const cpu = await cpuTimes();
    let cpuPercent: number | undefined;
    if (this.#cpu && cpu.total > this.#cpu.total) {
      const busy = cpu.total - this.#cpu.total - (cpu.idle - this.#cpu.idle);
      cpuPercent = Math.min(100, Math.max(0, (busy / (cpu.total - this.#cpu.total)) * 100));
    }
    this.#cpu = cpu;

    const [mem, fs, net] = await Promise.all([memory(), statfs(this.#dir), network()]);
    // As df computes it: used / (used + available to unprivileged users).
    const used = (fs.blocks - fs.bfree) * fs.bsize;
    const avail = fs.bavail * fs.bsize;
    let netRxBytesPerS: number | undefined;
    let netTxBytesPerS: number | undefined;
    if (net && this.#net && now > this.#net.at) {
      const s = (now - this.#net.at) / 1000;
      netRxBytesPerS = Math.max(0, (net.rx - this.#net.rx) / s);
      netTxBytesPerS = Math.max(0, (net.tx - this.#net.tx) / s);
    }
    if (net) this.#net = { ...net, at: now };
    return {
      ...(cpuPercent !== undefined ? { cpuPercent } : {}),
      memPercent: mem.total ? (mem.used / mem.total) * 100 : 0,
      memUsedBytes: mem.used,
      memTotalBytes: mem.total,
      diskPercent: used + avail ? (used / (used + avail)) * 100 : 0,
      diskFreeBytes: avail,
      diskTotalBytes: fs.blocks * fs.bsize,
      load1: loadavg()[0] ?? 0,
      ...(netRxBytesPerS !== undefined ? { netRxBytesPerS, netTxBytesPerS } : {}),
    };
  }
}
