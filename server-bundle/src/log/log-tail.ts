// Reads the recent lines of every role's log file (<dataDir>/logs/*.log, see log-file.ts) for the
// control API: newest last, filtered by role / level / time, and redacted again on the way out.
import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { redact, type LogLevel } from './logger.ts';
import { LOG_SUFFIX } from './log-file.ts';
import { redactStrings } from './redact-text.ts';

export interface LogEntry {
  t: string | null;
  level: LogLevel;
  event: string;
  role: string;
  [field: string]: unknown;
}

export interface TailOptions {
  /** Only these roles (file stems). Default: every file. */
  roles?: readonly string[];
  /** Minimum level. Default 'debug' (everything written). */
  level?: LogLevel;
  /** Only entries at or after this time. */
  since?: Date;
  /** Most recent entries returned. Default 200. */
  limit?: number;
  /** Bytes read from the end of each file (and its first rotation when the file is short). Default 256 KiB. */
  tailBytes?: number;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

async function readTail(path: string, bytes: number): Promise<string[]> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch {
    return [];
  }
  try {
    const { size } = await fh.stat();
    const start = Math.max(0, size - bytes);
    const buf = Buffer.alloc(size - start);
    await fh.read(buf, 0, buf.length, start);
    const lines = buf.toString('utf8').split('\n');
    if (start > 0) lines.shift(); // partial first line
    return lines.filter((l) => l.length > 0);
  } finally {
    await fh.close();
  }
}

function parse(line: string, role: string): LogEntry {
  try {
    const v = JSON.parse(line) as Record<string, unknown>;
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const clean = redactStrings(redact(v)) as Record<string, unknown>;
      const level = typeof v.level === 'string' && v.level in ORDER ? (v.level as LogLevel) : 'info';
      return {
        ...clean,
        t: typeof v.t === 'string' ? v.t : null,
        level,
        event: typeof v.event === 'string' ? v.event : 'unknown',
        role: typeof v.role === 'string' ? v.role : role,
      };
    }
  } catch {
    // not JSON: shown as text
  }
  return { t: null, level: 'info', event: 'text', role, text: redactStrings(line.slice(0, 2000)) };
}

export async function listLogRoles(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names
    .filter((n) => n.endsWith(LOG_SUFFIX))
    .map((n) => n.slice(0, -LOG_SUFFIX.length))
    .sort();
}

export async function tailLogs(dir: string, opts: TailOptions = {}): Promise<LogEntry[]> {
  const limit = Math.max(1, Math.min(opts.limit ?? 200, 5000));
  const bytes = opts.tailBytes ?? 256 * 1024;
  const min = ORDER[opts.level ?? 'debug'];
  const since = opts.since?.getTime();
  const roles = (await listLogRoles(dir)).filter((r) => !opts.roles || opts.roles.includes(r));
  const all: LogEntry[] = [];
  for (const role of roles) {
    const path = join(dir, `${role}${LOG_SUFFIX}`);
    let lines = await readTail(path, bytes);
    if (lines.length < limit) lines = [...(await readTail(`${path}.1`, bytes)), ...lines];
    for (const line of lines) {
      const e = parse(line, role);
      if (ORDER[e.level] < min) continue;
      if (since !== undefined && (e.t === null || Date.parse(e.t) < since)) continue;
      all.push(e);
    }
  }
  // Stable merge by time (entries without a time keep their file position).
  all.sort((a, b) => (a.t && b.t ? a.t.localeCompare(b.t) : 0));
  return all.slice(-limit);
}
