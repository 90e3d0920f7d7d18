/**
 * apt's machine-readable progress (`-o APT::Status-Fd=N`) turned into one overall percentage with a
 * plain message. apt writes lines such as
 *   dlstatus:3:42.5:Retrieving file 3 of 7
 *   pmstatus:docker.io:71.4286:Configuring docker.io (amd64)
 * Downloads and package setup each get a share of a range of the overall bar; the bar never goes
 * back, and unchanged figures are not reported again.
 */
export interface AptStatus {
  kind: 'download' | 'install';
  percent: number;
  description: string;
}

export function parseAptStatus(line: string): AptStatus | undefined {
  const m = /^(dlstatus|pmstatus):([^:]*):([\d.]+):(.*)$/.exec(line.trim());
  if (!m) return undefined;
  const percent = Math.min(100, Math.max(0, Number(m[3])));
  if (!Number.isFinite(percent)) return undefined;
  return { kind: m[1] === 'dlstatus' ? 'download' : 'install', percent, description: m[4]!.trim() };
}

export type Report = (percent: number, message: string) => void;

/** Monotonic, de-duplicated reports of an overall percentage. */
export class ProgressBar {
  private last = -1;
  private lastMessage = '';

  constructor(private readonly report: Report) {}

  set(percent: number, message: string): void {
    const value = Math.max(this.last, Math.min(100, Math.floor(percent)));
    if (value === this.last && message === this.lastMessage) return;
    this.last = value;
    this.lastMessage = message;
    this.report(value, message);
  }
}

/**
 * Feeds one apt run's status lines into `bar`: downloads fill [from, split], package setup
 * [split, to] (an update only downloads: give it split === to).
 */
export function aptStatusHandler(
  bar: ProgressBar,
  range: { from: number; split: number; to: number },
  messages: { download: string; install: string },
): (line: string) => void {
  return (line) => {
    const status = parseAptStatus(line);
    if (!status) return;
    const [lo, hi] = status.kind === 'download' ? [range.from, range.split] : [range.split, range.to];
    const message = status.kind === 'download' ? messages.download : messages.install;
    bar.set(lo + ((hi - lo) * status.percent) / 100, `${message}: ${status.description}`);
  };
}
