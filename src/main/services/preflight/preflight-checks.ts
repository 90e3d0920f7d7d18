/**
 * Turns what the probe saw into green / amber / red / unknown checks, each with a plain-language
 * explanation and, where something is wrong, what to do. Pure: tested without a server.
 */
import type { PreflightCheck } from '../../../shared/contract';
import type { ProbeOutput } from './preflight-probe';

export const MAIL_PORTS = [25, 80, 110, 143, 443, 465, 587, 993, 995] as const;

export interface PreflightFacts {
  probe: ProbeOutput;
  dockerVersion: string | null;
  /** Laptop clock when the probe ran, corrected for half the round trip. */
  localTimeS: number;
  /** Ports Facteur's own containers hold (a re-run after deploy is not a conflict). */
  facteurPorts: readonly number[];
  ptr:
    { status: 'found'; name: string } | { status: 'none' } | { status: 'error'; reason: string } | undefined;
  smtpProbe: string;
}

type Check = PreflightCheck;
const gib = (n: number): string => `${(n / 1024 ** 3).toFixed(1)} GB`;

function versionAtLeast(version: string, min: number[]): boolean {
  const parts = version.split(/[.+-]/).map((p) => Number.parseInt(p, 10));
  for (let i = 0; i < min.length; i++) {
    const v = parts[i] ?? 0;
    if (Number.isNaN(v)) return false;
    if (v !== min[i]) return v > min[i]!;
  }
  return true;
}

export function checkOs(v: Map<string, string>): Check {
  const id = v.get('os_id') ?? '';
  const version = v.get('os_version') ?? '';
  const name = v.get('os_name') || 'an unknown system';
  const supported =
    (id === 'debian' && versionAtLeast(version, [11])) ||
    (id === 'ubuntu' && versionAtLeast(version, [20, 4]));
  if (supported) return { id: 'os', status: 'ok', value: name, message: `${name} is supported.` };
  if (id === 'debian' || id === 'ubuntu')
    return {
      id: 'os',
      status: 'fail',
      value: name,
      message: `${name} is too old.`,
      fix: 'Reinstall the server with Debian 12 or Ubuntu 24.04 (your provider offers them).',
    };
  return {
    id: 'os',
    status: 'warn',
    value: name,
    message: `${name} is not tested with Facteur.`,
    fix: 'Debian 12 or Ubuntu 24.04 are the systems Facteur is tested on.',
  };
}

export function checkArch(v: Map<string, string>): Check {
  const arch = v.get('arch') ?? 'unknown';
  if (arch === 'x86_64')
    return { id: 'arch', status: 'ok', value: arch, message: 'The processor type is supported.' };
  return {
    id: 'arch',
    status: 'fail',
    value: arch,
    message: `Facteur's server image is built for x86_64 processors, and this server is ${arch}.`,
    fix: 'Choose an x86_64 (amd64) server at your provider.',
  };
}

export function checkMemory(v: Map<string, string>): Check {
  const mem = Number(v.get('mem_kb') ?? 0) * 1024;
  const value = gib(mem);
  if (mem >= 0.9 * 1024 ** 3)
    return { id: 'memory', status: 'ok', value, message: `${value} of memory is enough.` };
  if (mem >= 450 * 1024 ** 2)
    return {
      id: 'memory',
      status: 'warn',
      value,
      message: `${value} of memory is tight; mail works, but busy days will be slow.`,
      fix: 'A server with 1 GB of memory or more is comfortable.',
    };
  return {
    id: 'memory',
    status: 'fail',
    value,
    message: `${value} of memory is not enough.`,
    fix: 'Choose a server with at least 1 GB of memory.',
  };
}

export function checkDisk(v: Map<string, string>): Check {
  const free = Number(v.get('disk_free') ?? 0);
  const value = gib(free);
  if (free >= 10 * 1024 ** 3)
    return { id: 'disk', status: 'ok', value, message: `${value}: room for years of mail.` };
  if (free >= 3 * 1024 ** 3)
    return {
      id: 'disk',
      status: 'warn',
      value,
      message: `${value} free: enough to start, not for long.`,
      fix: 'Plan for a larger disk, or keep mailbox quotas small.',
    };
  return {
    id: 'disk',
    status: 'fail',
    value,
    message: `Only ${value} free.`,
    fix: 'Free some space or choose a server with at least 10 GB of disk.',
  };
}

export function listeningPorts(listening: readonly string[]): Set<number> {
  const ports = new Set<number>();
  for (const addr of listening) {
    const port = Number(addr.slice(addr.lastIndexOf(':') + 1));
    if (Number.isInteger(port)) ports.add(port);
  }
  return ports;
}

export function checkPorts(facts: PreflightFacts): Check {
  const busy = [...listeningPorts(facts.probe.listening)].filter(
    (p) => (MAIL_PORTS as readonly number[]).includes(p) && !facts.facteurPorts.includes(p),
  );
  busy.sort((a, b) => a - b);
  if (busy.length === 0)
    return {
      id: 'ports',
      status: 'ok',
      value: MAIL_PORTS.join(', '),
      message: 'Every mail and web port is free.',
    };
  return {
    id: 'ports',
    status: 'fail',
    value: busy.join(', '),
    message: `Another program already uses port${busy.length > 1 ? 's' : ''} ${busy.join(', ')}.`,
    fix: 'Facteur needs these ports. Stop or remove the program using them (often a web server or another mail server), then check again.',
  };
}

export function checkOutboundSmtp(facts: PreflightFacts): Check {
  const result = facts.probe.values.get('smtp_out') ?? '';
  if (result === 'open')
    return {
      id: 'smtpOut',
      status: 'ok',
      value: 'open',
      message: 'The server can send mail out on port 25.',
    };
  const timedOut = result === 'closed:124';
  return {
    id: 'smtpOut',
    status: 'unknown',
    value: '',
    message: `Facteur could not tell whether port 25 is open for outgoing mail: ${facts.smtpProbe} ${timedOut ? 'did not answer in time' : 'could not be reached from the server'}.`,
    fix: 'Many providers block outgoing port 25 on new servers. Ask yours to open it, or set up a relay host later in Facteur.',
  };
}

const PRIVATE_V4 = [
  /^10\./,
  /^192\.168\./,
  /^172\.(1[6-9]|2\d|3[01])\./,
  /^127\./,
  /^169\.254\./,
  /^100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\./,
];
export function isPublicAddress(ip: string): boolean {
  if (ip.includes(':')) return !/^(fe80|fc|fd|::1)/i.test(ip);
  return !PRIVATE_V4.some((r) => r.test(ip));
}

export function publicAddresses(addresses: readonly string[]): string[] {
  return addresses.map((a) => a.split('/')[0]!).filter(isPublicAddress);
}

export function checkAddresses(facts: PreflightFacts): Check {
  const all = facts.probe.addresses.map((a) => a.split('/')[0]!);
  const pub = publicAddresses(facts.probe.addresses);
  const v4 = pub.filter((a) => !a.includes(':'));
  const v6 = pub.filter((a) => a.includes(':'));
  if (v4.length) {
    return {
      id: 'addresses',
      status: 'ok',
      value: pub.join(', '),
      message: `Public address${pub.length > 1 ? 'es' : ''}: ${pub.join(', ')}${v6.length ? '' : ' (no IPv6: fine)'}.`,
    };
  }
  if (v6.length)
    return {
      id: 'addresses',
      status: 'warn',
      value: v6.join(', '),
      message: 'The server has only IPv6: some mail servers still speak IPv4 only.',
      fix: 'Ask your provider for an IPv4 address.',
    };
  return {
    id: 'addresses',
    status: 'warn',
    value: all.join(', ') || 'none',
    message: 'The server has no public address of its own: it is probably behind a router (NAT).',
    fix: 'Forward ports 25, 80, 443, 465, 587, 993 and 995 from your router to this server, or use a VPS.',
  };
}

export function checkPtr(facts: PreflightFacts): Check {
  const ptr = facts.ptr;
  if (!ptr)
    return {
      id: 'ptr',
      status: 'unknown',
      value: '',
      message: 'Reverse DNS can only be checked for a public address, and Facteur found none.',
      fix: 'Set it at your provider once the server has a public address.',
    };
  if (ptr.status === 'found')
    return {
      id: 'ptr',
      status: 'ok',
      value: ptr.name,
      message: `Reverse DNS says ${ptr.name}. The DNS step checks it matches your mail host name.`,
    };
  if (ptr.status === 'none')
    return {
      id: 'ptr',
      status: 'warn',
      value: '',
      message: "The server's address has no reverse DNS name: big providers distrust such senders.",
      fix: "In your provider's panel, set the reverse DNS (PTR) of the address to your mail host name, e.g. mail.example.org.",
    };
  return {
    id: 'ptr',
    status: 'unknown',
    value: '',
    message: `Reverse DNS could not be looked up from this computer (${ptr.reason}).`,
    fix: 'Check again later; the DNS step checks it too.',
  };
}

export function checkReachability(): Check {
  return {
    id: 'reachability',
    status: 'unknown',
    value: '',
    message:
      'Whether the internet can reach these ports needs a test from outside the server; Facteur runs it from this computer after deployment.',
  };
}

export function checkClock(facts: PreflightFacts): Check {
  const remote = Number(facts.probe.values.get('now'));
  if (!Number.isFinite(remote))
    return {
      id: 'clock',
      status: 'unknown',
      value: '',
      message: "Facteur could not read the server's clock.",
    };
  const skew = Math.abs(remote - facts.localTimeS);
  const ntp = facts.probe.values.get('ntp');
  const value = `${skew.toFixed(1)} s`;
  if (skew > 30)
    return {
      id: 'clock',
      status: 'fail',
      value,
      message: `The server's clock is ${Math.round(skew)} seconds off: certificates and signatures will fail.`,
      fix: 'Install and start time synchronisation: sudo apt install systemd-timesyncd.',
    };
  if (skew > 2 || ntp === 'no')
    return {
      id: 'clock',
      status: 'warn',
      value,
      message:
        ntp === 'no'
          ? 'The server does not synchronise its clock.'
          : `The server's clock is ${skew.toFixed(1)} seconds off.`,
      fix: 'Enable time synchronisation: sudo timedatectl set-ntp true.',
    };
  return { id: 'clock', status: 'ok', value, message: "The server's clock is right." };
}

export function checkDocker(facts: PreflightFacts): Check {
  const v = facts.dockerVersion;
  if (v && versionAtLeast(v, [20, 10]))
    return { id: 'docker', status: 'ok', value: v, message: `Docker ${v} is running.` };
  if (v)
    return {
      id: 'docker',
      status: 'fail',
      value: v,
      message: `Docker ${v} is too old.`,
      fix: "Facteur can install a current Docker from your system's packages.",
    };
  const cli = facts.probe.values.get('docker_cli');
  return {
    id: 'docker',
    status: 'fail',
    value: cli ? 'not running' : 'not installed',
    message: cli
      ? 'Docker is installed but not running, or this user may not use it.'
      : 'Docker is not installed.',
    fix: facts.probe.values.get('apt')
      ? "Facteur can install Docker from your system's packages and start it."
      : 'Install Docker, then check again.',
  };
}

export function checkPrivileges(v: Map<string, string>): Check {
  if (v.get('uid') === '0')
    return { id: 'privileges', status: 'ok', value: 'root', message: 'Logged in as root.' };
  const sudo = v.get('sudo');
  if (sudo === 'nopasswd')
    return { id: 'privileges', status: 'ok', value: 'sudo', message: 'This user may use sudo.' };
  if (sudo === 'password')
    return {
      id: 'privileges',
      status: 'ok',
      value: 'sudo (password)',
      message: 'This user may use sudo; Facteur will ask for the password once and keep it only in memory.',
    };
  return {
    id: 'privileges',
    status: 'fail',
    value: 'none',
    message: 'This user cannot administer the server (no sudo).',
    fix: 'Log in as root, or add this user to the sudo group.',
  };
}

export function evaluatePreflight(facts: PreflightFacts): Check[] {
  const v = facts.probe.values;
  return [
    checkOs(v),
    checkArch(v),
    checkMemory(v),
    checkDisk(v),
    checkPrivileges(v),
    checkDocker(facts),
    checkPorts(facts),
    checkClock(facts),
    checkAddresses(facts),
    checkPtr(facts),
    checkOutboundSmtp(facts),
    checkReachability(),
  ];
}
