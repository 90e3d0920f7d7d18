/**
 * One SSH round trip that gathers everything preflight needs, as `key=value` lines and a few
 * tagged blocks. Read-only: it changes nothing on the server.
 */
export interface ProbeTarget {
  /** host:port of a public mail server to test outbound port 25 against. */
  smtpProbe: string;
  /** Seconds the outbound test may take. */
  smtpProbeTimeoutS: number;
}

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export function probeScript(target: ProbeTarget): string {
  const [host, port] = splitHostPort(target.smtpProbe);
  return [
    '. /etc/os-release 2>/dev/null; echo "os_id=${ID:-}"; echo "os_version=${VERSION_ID:-}"; echo "os_name=${PRETTY_NAME:-}"',
    'echo "arch=$(uname -m)"',
    // kB as /proc gives it: mawk's printf %d stops at 2^31, so bytes would cap at 2 GiB.
    'awk \'/^MemTotal:/{print "mem_kb="$2}\' /proc/meminfo',
    'd=/var/lib; [ -d /var/lib/facteur ] && d=/var/lib/facteur; df -P -B1 "$d" | awk \'NR==2{print "disk_free="$4; print "disk_total="$2}\'',
    'echo "uid=$(id -u)"',
    'if [ "$(id -u)" != 0 ]; then if sudo -n true 2>/dev/null; then echo sudo=nopasswd; elif command -v sudo >/dev/null; then echo sudo=password; else echo sudo=none; fi; fi',
    'echo "now=$(date +%s.%N)"',
    'if command -v timedatectl >/dev/null && timedatectl show >/dev/null 2>&1; then echo "ntp=$(timedatectl show -p NTPSynchronized --value)"; fi',
    'echo "docker_cli=$(command -v docker || true)"',
    'echo "apt=$(command -v apt-get || true)"',
    'echo "ufw=$(command -v ufw || true)"',
    // Listening TCP ports (all addresses), from the kernel's own table.
    "echo '--listen'; (ss -Htln 2>/dev/null || netstat -tln 2>/dev/null | tail -n +3) | awk '{print $4}'; echo '--end'",
    "echo '--addr'; ip -o addr show scope global 2>/dev/null | awk '{print $4}'; echo '--end'",
    // Outbound port 25: a plain TCP connect to a public MX, bounded in time.
    `if timeout ${target.smtpProbeTimeoutS} bash -c ${quote(`exec 3<>/dev/tcp/${host}/${port}`)} 2>/dev/null; then echo smtp_out=open; else echo "smtp_out=closed:$?"; fi`,
  ].join('\n');
}

export function splitHostPort(value: string): [string, number] {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(value.trim());
  if (!m) throw new Error(`expected host:port, got "${value}"`);
  return [m[1]!, Number(m[2])];
}

export interface ProbeOutput {
  values: Map<string, string>;
  listening: string[];
  addresses: string[];
}

export function parseProbe(stdout: string): ProbeOutput {
  const values = new Map<string, string>();
  const blocks: Record<string, string[]> = { listen: [], addr: [] };
  let block: string | undefined;
  for (const raw of stdout.split('\n')) {
    const line = raw.trim();
    if (line === '--end') block = undefined;
    else if (line.startsWith('--')) block = line.slice(2);
    else if (block && line) blocks[block]?.push(line);
    else {
      const eq = line.indexOf('=');
      if (eq > 0) values.set(line.slice(0, eq), line.slice(eq + 1));
    }
  }
  return { values, listening: blocks.listen!, addresses: blocks.addr! };
}
