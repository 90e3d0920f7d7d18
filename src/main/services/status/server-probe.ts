/**
 * One root command on the server that reads what the status checks need from the system itself:
 * disk and memory, ufw, sshd's effective settings and the global addresses. Read-only, as
 * `key=value` lines and tagged blocks. Pending updates are a separate command (apt is slow).
 */
export function statusProbeScript(): string {
  return [
    'd=/var/lib; [ -d /var/lib/facteur ] && d=/var/lib/facteur; df -P -B1 "$d" | awk \'NR==2{print "disk_total="$2; print "disk_used="$3; print "disk_free="$4}\'',
    // In kB as the kernel gives them: mawk's printf %d stops at 2^31 (2 GB in bytes).
    'awk \'/^MemTotal:/{print "mem_total_kb="$2} /^MemAvailable:/{print "mem_available_kb="$2}\' /proc/meminfo',
    'echo "ufw=$(command -v ufw || true)"',
    "if command -v ufw >/dev/null; then echo '--ufw'; LANG=C ufw status 2>&1; echo '--end'; fi",
    // sshd -T prints the settings in effect (config files, includes and defaults together).
    "echo '--sshd'; s=$(command -v sshd || echo /usr/sbin/sshd); LANG=C $s -T 2>&1 | grep -Ei '^(passwordauthentication|kbdinteractiveauthentication|challengeresponseauthentication) '; echo '--end'",
    "echo '--addr'; ip -o addr show scope global 2>/dev/null | awk '{print $4}'; echo '--end'",
  ].join('\n');
}

export interface StatusProbe {
  values: Map<string, string>;
  blocks: Record<'ufw' | 'sshd' | 'addr', string[] | undefined>;
}

export function parseStatusProbe(stdout: string): StatusProbe {
  const values = new Map<string, string>();
  const blocks: StatusProbe['blocks'] = { ufw: undefined, sshd: undefined, addr: undefined };
  let block: keyof StatusProbe['blocks'] | undefined;
  for (const raw of stdout.split('\n')) {
    const line = raw.trim();
    if (line === '--end') block = undefined;
    else if (/^--(ufw|sshd|addr)$/.test(line)) {
      block = line.slice(2) as keyof StatusProbe['blocks'];
      blocks[block] = [];
    } else if (block) {
      if (line) blocks[block]!.push(line);
    } else {
      const eq = line.indexOf('=');
      if (eq > 0) values.set(line.slice(0, eq), line.slice(eq + 1));
    }
  }
  return { values, blocks };
}

/** The server's global IPv6 addresses (without their prefix length), as the probe listed them. */
export function globalIpv6(probe: StatusProbe): string[] {
  return (probe.blocks.addr ?? [])
    .map((a) => a.replace(/\/\d+$/, ''))
    .filter((a) => a.includes(':') && !/^f[cd]/i.test(a) && !/^fe80/i.test(a));
}

/**
 * Pending upgrades, simulated from the package lists the server already has: installs nothing,
 * takes no lock. Prints "no-apt" on a system without apt, else apt's "Inst" lines.
 */
export const PENDING_UPDATES_SCRIPT =
  "if ! command -v apt-get >/dev/null; then echo no-apt; exit 0; fi; LANG=C apt-get -s -o Debug::NoLocking=1 upgrade 2>/dev/null | grep '^Inst ' || true";

export type PendingUpdates = { lines: string[] } | { noApt: true } | { error: string };

export function parsePendingUpdates(stdout: string): PendingUpdates {
  if (stdout.trim() === 'no-apt') return { noApt: true };
  return { lines: stdout.split('\n').filter((l) => l.startsWith('Inst ')) };
}
