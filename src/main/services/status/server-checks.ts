/**
 * Status checks read from the server's own system (see server-probe.ts): disk and memory
 * headroom, pending OS updates, firewall, SSH password login, backups. Pure: tested without a server.
 */
import type { StatusCheck } from '../../../shared/status';
import { check, HEADROOM } from './check';
import type { PendingUpdates, StatusProbe } from './server-probe';

const gb = (n: number): string => `${(n / 1024 ** 3).toFixed(1)} GB`;

function percentUsed(used: number, total: number): number | undefined {
  if (!Number.isFinite(used) || !Number.isFinite(total) || total <= 0) return undefined;
  return Math.round((used / total) * 100);
}

export function diskCheck(probe: StatusProbe): StatusCheck {
  const total = Number(probe.values.get('disk_total'));
  const used = Number(probe.values.get('disk_used'));
  const free = Number(probe.values.get('disk_free'));
  // df's "used" leaves out the blocks reserved for root: count them as used, as the owner sees it.
  const percent = percentUsed(total - free, total) ?? percentUsed(used, total);
  if (percent === undefined)
    return check('disk', 'unknown', 'unread', '?', 'The server did not say how full its disk is.');
  const value = `${percent} %`;
  const params = { percent, free: gb(free) };
  if (percent > HEADROOM.failPercent)
    return check(
      'disk',
      'fail',
      'full',
      value,
      `The disk is ${percent} % full (${gb(free)} free): mail will soon be refused.`,
      'Free some space (old backups, logs, unused Docker images) or give the server a larger disk.',
      params,
    );
  if (percent > HEADROOM.warnPercent)
    return check(
      'disk',
      'warn',
      'tight',
      value,
      `The disk is ${percent} % full (${gb(free)} free).`,
      'Plan for more space: a larger disk, or smaller mailbox quotas.',
      params,
    );
  return check(
    'disk',
    'ok',
    'ok',
    value,
    `The disk is ${percent} % full (${gb(free)} free).`,
    undefined,
    params,
  );
}

export function memoryCheck(probe: StatusProbe): StatusCheck {
  const total = Number(probe.values.get('mem_total_kb')) * 1024;
  const available = Number(probe.values.get('mem_available_kb')) * 1024;
  const percent = percentUsed(total - available, total);
  if (percent === undefined || !Number.isFinite(available))
    return check('memory', 'unknown', 'unread', '?', 'The server did not say how much memory it uses.');
  const value = `${percent} %`;
  const params = { percent, available: gb(available) };
  if (percent > HEADROOM.failPercent)
    return check(
      'memory',
      'fail',
      'full',
      value,
      `${percent} % of the memory is in use: the server may stop services to survive.`,
      'Stop other programs on the server, or move to a plan with more memory.',
      params,
    );
  if (percent > HEADROOM.warnPercent)
    return check(
      'memory',
      'warn',
      'tight',
      value,
      `${percent} % of the memory is in use.`,
      'Keep an eye on it; a plan with more memory gives busy days room.',
      params,
    );
  return check('memory', 'ok', 'ok', value, `${percent} % of the memory is in use.`, undefined, params);
}

/** What the control API says of backups (`GET /v1/backups/settings`); undefined: never set up. */
export interface BackupsState {
  /** false: turned off (the backups made are kept); absent from servers made before: on. */
  enabled?: boolean;
  schedule: { everyMs: number } | { dailyAt: string };
  status?: { state?: string; lastSuccessAt?: string; error?: string; nextRunAt?: string };
}

const DAY_MS = 86_400_000;
const hoursAgo = (ms: number): number => Math.max(0, Math.round(ms / 3_600_000));

/**
 * Last backup: off, never made, failed, missed (no good one within two schedule periods — one slot
 * may be skipped by a reboot, two is a pattern) or fine, with its age.
 */
export function backupsCheck(state: BackupsState | undefined | { error: string }, now: Date): StatusCheck {
  if (state && 'error' in state)
    return check(
      'backups',
      'unknown',
      'unread',
      '?',
      `Facteur could not read the backup status (${state.error}).`,
      undefined,
      { error: state.error },
    );
  if (!state || state.enabled === false)
    return check(
      'backups',
      'warn',
      'off',
      'off',
      'Backups are off: nothing protects this server’s mail from a lost disk.',
      'Turn them on in the Backups page.',
    );
  const status = state.status ?? {};
  const last = status.lastSuccessAt ? Date.parse(status.lastSuccessAt) : NaN;
  if (status.state === 'failed')
    return check(
      'backups',
      'fail',
      'failed',
      'failed',
      `The last backup failed: ${status.error ?? 'no reason given'}.`,
      'Open the Backups page: check that the storage is reachable, then Back up now.',
      { error: status.error ?? '' },
    );
  if (Number.isNaN(last))
    return check(
      'backups',
      'warn',
      'none',
      'none yet',
      'No backup has been made yet.',
      'Back up now from the Backups page, or wait for the first scheduled one.',
    );
  const period = 'everyMs' in state.schedule ? state.schedule.everyMs : DAY_MS;
  const age = now.getTime() - last;
  const hours = hoursAgo(age);
  if (age > 2 * period)
    return check(
      'backups',
      'fail',
      'missed',
      `${hours} h`,
      `The last good backup is ${hours} hours old: scheduled backups have not run.`,
      'Check that the server is running and Back up now from the Backups page.',
      { hours },
    );
  return check(
    'backups',
    'ok',
    'ok',
    `${hours} h`,
    `The last backup was made ${hours} hours ago.`,
    undefined,
    {
      hours,
    },
  );
}

export function updatesCheck(pending: PendingUpdates): StatusCheck {
  if ('noApt' in pending)
    return check(
      'updates',
      'unknown',
      'noApt',
      '?',
      'This server does not use apt: Facteur cannot count its pending updates.',
      'Update the system with its own package manager from time to time.',
    );
  if ('error' in pending)
    return check(
      'updates',
      'unknown',
      'unread',
      '?',
      `apt did not say which updates wait (${pending.error}).`,
      'Check again in a moment; if it goes on, run "apt-get -s upgrade" on the server to see why.',
      { error: pending.error },
    );
  const lines = pending.lines;
  const names = lines.map((l) => /^Inst (\S+)/.exec(l)?.[1]).filter((n): n is string => !!n);
  const security = lines
    .filter((l) => /security/i.test(l))
    .map((l) => /^Inst (\S+)/.exec(l)?.[1])
    .filter((n): n is string => !!n);
  if (security.length) {
    const shown = security.slice(0, 8).join(', ') + (security.length > 8 ? ', …' : '');
    return check(
      'updates',
      'warn',
      'security',
      `${names.length} (${security.length} security)`,
      `${security.length} security update(s) wait: ${shown}.`,
      'Install them: run "apt-get update && apt-get upgrade" as root on the server (or turn on unattended-upgrades).',
      { count: names.length, security: security.length, packages: shown },
    );
  }
  if (names.length)
    return check(
      'updates',
      'ok',
      'some',
      String(names.length),
      `${names.length} update(s) wait, none of them for security.`,
      undefined,
      { count: names.length },
    );
  return check('updates', 'ok', 'none', '0', 'The system is up to date (as of its last package list).');
}

export function firewallCheck(probe: StatusProbe, mailPorts: readonly number[]): StatusCheck {
  const out = probe.blocks.ufw;
  if (!probe.values.get('ufw') || out === undefined)
    return check(
      'firewall',
      'warn',
      'noUfw',
      'ufw —',
      'The server has no ufw firewall; your provider’s firewall may be the only one.',
      'Install ufw ("apt-get install ufw"), then deploy again: Facteur opens SSH first, then only the mail ports.',
    );
  const text = out.join('\n');
  if (!/^Status:\s*active/im.test(text))
    return check(
      'firewall',
      'fail',
      'inactive',
      'ufw off',
      'The firewall (ufw) is installed but not active: every port the server opens is reachable.',
      'Deploy again from Facteur: it allows SSH first, then the mail ports, and turns ufw on.',
    );
  const open = new Set([...text.matchAll(/^(\d+)(?:\/tcp)?\s+ALLOW/gm)].map((m) => Number(m[1])));
  const missing = mailPorts.filter((p) => !open.has(p));
  if (missing.length)
    return check(
      'firewall',
      'fail',
      'portsBlocked',
      `ufw on, ${missing.join(', ')} closed`,
      `The firewall is active but blocks mail port(s) ${missing.join(', ')}.`,
      `Allow them: "ufw allow ${missing[0]}/tcp" for each one, or deploy again from Facteur.`,
      { ports: missing.join(', ') },
    );
  return check('firewall', 'ok', 'ok', 'ufw on', 'The firewall is active and lets the mail ports in.');
}

export function sshPasswordCheck(probe: StatusProbe): StatusCheck {
  const settings = new Map(
    (probe.blocks.sshd ?? []).map((l) => {
      const [k = '', v = ''] = l.toLowerCase().split(/\s+/);
      return [k, v] as const;
    }),
  );
  const password = settings.get('passwordauthentication');
  if (!password)
    return check(
      'sshPasswordLogin',
      'unknown',
      'unread',
      '?',
      'Facteur could not read the SSH server’s settings ("sshd -T").',
      'Check by hand that /etc/ssh/sshd_config says "PasswordAuthentication no".',
    );
  const keyboard =
    settings.get('kbdinteractiveauthentication') ?? settings.get('challengeresponseauthentication') ?? 'no';
  if (password === 'no' && keyboard === 'no')
    return check(
      'sshPasswordLogin',
      'ok',
      'ok',
      'off',
      'SSH accepts keys only: passwords cannot be guessed.',
    );
  return check(
    'sshPasswordLogin',
    'warn',
    'enabled',
    'on',
    'SSH still accepts passwords, which robots try to guess all day long.',
    'Make sure you log in with a key (Facteur does), then set "PasswordAuthentication no" and "KbdInteractiveAuthentication no" in /etc/ssh/sshd_config and restart SSH.',
  );
}
