import type { ServerFacts } from '../../../shared/contract';
import type { ExecResult } from '../ssh/ssh-client';

/** One round trip gathers the facts; output is key=value lines so parsing stays trivial. */
export const factsScript = [
  '. /etc/os-release 2>/dev/null; echo "os=${PRETTY_NAME:-$(uname -s)}"',
  'echo "arch=$(uname -m)"',
  // kB as /proc gives it: mawk's printf %d stops at 2^31, so bytes would cap at 2 GiB.
  'awk \'/^MemTotal:/{print "mem_kb="$2}\' /proc/meminfo',
  'df -P -B1 / | awk \'NR==2{print "disk_total="$2; print "disk_free="$4}\'',
].join('; ');

export function parseFacts(result: ExecResult, dockerVersion: string | null, now: Date): ServerFacts {
  const values = new Map<string, string>();
  for (const line of result.stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) values.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  const int = (key: string): number => {
    const n = Number(values.get(key));
    return Number.isFinite(n) ? n : 0;
  };
  return {
    os: values.get('os') || 'unknown',
    arch: values.get('arch') || 'unknown',
    ramBytes: int('mem_kb') * 1024,
    diskTotalBytes: int('disk_total'),
    diskFreeBytes: int('disk_free'),
    dockerVersion,
    checkedAt: now.toISOString(),
  };
}
