// The conditions an alerts round looks at, each turned into an Observation with its words:
// roles (heartbeats, as GET /v1/health reads them), disk use of the data directory's file system
// (as the metrics sampler computes it), days left on the certificate every role presents, the
// server's addresses on DNS blocklists, the outcome of the last backup (backup-status.ts), and a
// backup the schedule owed that never came (backup missed).
import { statfs } from 'node:fs/promises';
import type { BackupSchedule } from '../backup/backup-types.ts';
import { describeSchedule, missedSince } from '../jobs/backup-schedule.ts';
import { readRoleStatus } from '../metrics/heartbeat.ts';
import type { RedisConnection } from '../storage/redis-adapter.ts';
import type { CertificateInfo } from '../tls/tls-provider.ts';
import type { BackupStatus } from './backup-status.ts';
import type { BlocklistResult } from './blocklist-check.ts';
import type { Observation } from './alert-state.ts';

export interface ConditionDeps {
  redis: RedisConnection;
  /** Roles whose heartbeats are watched (not the jobs role itself). */
  roles: readonly string[];
  heartbeatMs: number;
  /** Percentage of the data directory's file system in use. */
  diskPercent(): Promise<number>;
  certificate(): CertificateInfo;
  /** undefined: blocklists are not checked (no zones configured). */
  blocklists?(): Promise<BlocklistResult>;
  backupStatus(): Promise<BackupStatus | undefined>;
  /** undefined: backups are not set up or turned off (nothing can be missed). */
  backupSchedule?(): Promise<{ schedule: BackupSchedule; enabledAt: number } | undefined>;
}

export interface Thresholds {
  diskPercent: number;
  certificateDays: number;
  roleDownAfterMs: number;
  /** A backup is missed this long after the schedule owed one (backup.missedGraceMs). */
  backupMissedGraceMs?: number;
}

const ROLE_WORDS: Record<string, string> = {
  mx: 'receives mail from other servers (port 25)',
  submission: 'takes the mail your apps send (ports 465 and 587)',
  imap: 'lets mail apps read mail (IMAP)',
  pop3: 'lets mail apps download mail (POP3)',
  control: 'answers the Facteur app (the control API)',
  web: 'answers the certificate authority, serves MTA-STS and mail app setup (ports 80 and 443)',
  outbound: 'delivers mail to other servers',
  jobs: 'runs the periodic jobs (metrics, certificates, these alerts)',
};

const fmtTime = (ms: number) => new Date(ms).toUTCString();

/** As df computes it: used / (used + available to unprivileged users). */
export async function diskUsagePercent(dir: string): Promise<number> {
  const fs = await statfs(dir);
  const used = (fs.blocks - fs.bfree) * fs.bsize;
  const avail = fs.bavail * fs.bsize;
  return used + avail ? (used / (used + avail)) * 100 : 0;
}

export async function roleObservations(
  deps: ConditionDeps,
  t: Thresholds,
  now: number,
): Promise<Observation[]> {
  let statuses;
  try {
    statuses = await readRoleStatus(deps.redis, deps.roles, { intervalMs: deps.heartbeatMs, now });
  } catch {
    return []; // Redis unreachable: nothing known this round
  }
  return statuses.map((r): Observation => {
    const base = { id: `role:${r.role}`, kind: 'role' as const };
    const what = ROLE_WORDS[r.role] ?? 'is part of the mail server';
    if (r.status === 'up')
      return {
        ...base,
        observed: 'ok',
        title: `The ${r.role} role is back`,
        detail: `The ${r.role} role (it ${what}) is running again.`,
      };
    const lastSeen = r.lastSeen ? Date.parse(r.lastSeen) : undefined;
    if (r.status === 'unknown' || lastSeen === undefined)
      return { ...base, observed: 'unknown', title: '', detail: `The ${r.role} role has never run here.` };
    if (now - lastSeen < t.roleDownAfterMs)
      return {
        ...base,
        observed: 'unknown',
        title: '',
        detail: `The ${r.role} role is ${r.status} since ${fmtTime(lastSeen)}; reported if it stays so.`,
      };
    const how = r.status === 'stopped' ? 'was stopped' : 'stopped answering (crashed or hung)';
    return {
      ...base,
      observed: 'alert',
      since: lastSeen,
      title: `The ${r.role} role is down`,
      detail:
        `The ${r.role} role of your mail server ${how} at ${fmtTime(lastSeen)}. ` +
        `It ${what}: until it runs again, that part of your mail does not work.`,
      advice:
        `Open the Facteur app: the server's status shows the role, and its log says why it ${r.status === 'stopped' ? 'stopped' : 'failed'}. ` +
        `Restarting it (or the whole server) usually helps; Docker restarts a crashed role by itself, so a role that stays down keeps failing at start.`,
    };
  });
}

export async function diskObservation(deps: ConditionDeps, t: Thresholds): Promise<Observation> {
  const base = { id: 'disk', kind: 'disk' as const };
  let pct: number;
  try {
    pct = await deps.diskPercent();
  } catch (err) {
    return { ...base, observed: 'unknown', title: '', detail: `Disk use unknown: ${(err as Error).message}` };
  }
  const shown = `${Math.round(pct)} %`;
  if (pct <= t.diskPercent)
    return {
      ...base,
      observed: 'ok',
      title: `Disk space is fine again (${shown} used)`,
      detail: `The disk holding your mail is ${shown} full, under the ${t.diskPercent} % alert level.`,
    };
  return {
    ...base,
    observed: 'alert',
    title: `The disk is ${shown} full`,
    detail:
      `The disk holding your mail is ${shown} full (alert level: ${t.diskPercent} %). ` +
      `When it is full, the server refuses new mail (senders retry for a few days) and mail apps cannot save messages.`,
    advice:
      `Delete or archive large old messages (Trash and Junk first), lower mailbox quotas, ` +
      `or give the server a bigger disk at your hosting provider. The Facteur app's dashboard shows how fast it fills.`,
  };
}

export function certificateObservation(deps: ConditionDeps, t: Thresholds, now: number): Observation {
  const base = { id: 'certificate', kind: 'certificate' as const };
  const info = deps.certificate();
  const days = Math.floor((info.notAfter.getTime() - now) / 86_400_000);
  const until = fmtTime(info.notAfter.getTime());
  if (days >= t.certificateDays)
    return {
      ...base,
      observed: 'ok',
      title: `The certificate is valid again (${days} days left)`,
      detail: `The server's certificate (${info.subject}) is valid until ${until}.`,
    };
  const expired = days < 0;
  return {
    ...base,
    observed: 'alert',
    title: expired
      ? 'The certificate has expired'
      : `The certificate expires in ${days} day${days === 1 ? '' : 's'}`,
    detail:
      `The server's certificate (${info.subject}${info.selfSigned ? ', self-signed' : ''}) ` +
      `${expired ? 'expired' : 'expires'} on ${until}. ` +
      `After that, mail apps warn about the connection or refuse it, and other servers may not deliver to you.`,
    advice:
      `Renewal is automatic and normally happens 30 days before expiry, so something blocks it: ` +
      `the Facteur app's certificate page shows the last error (often port 80 closed in the firewall or a changed DNS record). ` +
      `Fix it, then ask for a new certificate there.`,
  };
}

export async function blocklistObservation(deps: ConditionDeps): Promise<Observation | undefined> {
  if (!deps.blocklists) return undefined;
  const base = { id: 'blocklist', kind: 'blocklist' as const };
  const r = await deps.blocklists();
  if (r.state === 'unknown')
    return { ...base, observed: 'unknown', title: '', detail: `Blocklists not checked: ${r.reason}.` };
  if (r.state === 'clean')
    return {
      ...base,
      observed: 'ok',
      title: 'The server is off the blocklists',
      detail: `No blocklist lists ${r.addresses.join(', ')} any more (checked: ${r.zones.join(', ')}).`,
    };
  const list = r.listings.map((l) => `${l.address} on ${l.zone}`).join(', ');
  return {
    ...base,
    observed: 'alert',
    title: 'The server is on a blocklist',
    detail:
      `Your server's address is listed: ${list}. ` +
      `Many mail servers refuse or junk mail coming from a listed address, so your messages may not arrive.`,
    advice:
      `Look the address up on the blocklist's website: it says why it is listed and how to ask for removal. ` +
      `First check that no account of yours sends spam (a stolen password: change it; the outbound queue in the Facteur app shows what leaves). ` +
      `A new server's address can also be listed because of its previous owner.`,
  };
}

export async function backupObservation(deps: Pick<ConditionDeps, 'backupStatus'>): Promise<Observation> {
  const base = { id: 'backup', kind: 'backup' as const };
  const s = await deps.backupStatus();
  if (!s) return { ...base, observed: 'unknown', title: '', detail: 'No backup has reported yet.' };
  const at = Date.parse(s.at);
  if (s.ok)
    return {
      ...base,
      observed: 'ok',
      title: 'Backups work again',
      detail: `The last backup succeeded at ${fmtTime(at)}.`,
    };
  return {
    ...base,
    observed: 'alert',
    since: at,
    title: 'The last backup failed',
    detail: `The backup that ended at ${fmtTime(at)} failed${s.message ? `: ${s.message}` : ''}. Your mail is not backed up since the last successful run.`,
    advice: `Open the Facteur app's backup page to see the details and run a backup again; check that the backup destination is reachable and has space.`,
  };
}

/**
 * Backups are set up and on, the last run did not fail (that is the "backup" condition), and no
 * good run came since the schedule owed one (+ the grace): the jobs role is not running them, or
 * the server was off. Measured from the last success, else from when backups were set up.
 */
export async function backupMissedObservation(
  deps: Pick<ConditionDeps, 'backupStatus' | 'backupSchedule'>,
  graceMs: number,
  now: number,
): Promise<Observation | undefined> {
  if (!deps.backupSchedule) return undefined;
  const base = { id: 'backup-missed', kind: 'backup' as const };
  let setup;
  try {
    setup = await deps.backupSchedule();
  } catch (err) {
    return {
      ...base,
      observed: 'unknown',
      title: '',
      detail: `Backup settings unreadable: ${(err as Error).message}`,
    };
  }
  if (!setup) return { ...base, observed: 'unknown', title: '', detail: 'Backups are off.' };
  const s = await deps.backupStatus();
  if (s && !s.ok)
    return { ...base, observed: 'unknown', title: '', detail: 'The last backup failed (reported apart).' };
  const last = s?.lastSuccessAt ? Date.parse(s.lastSuccessAt) : undefined;
  const owed = missedSince(setup.schedule, last ?? setup.enabledAt, now, graceMs);
  const plan = describeSchedule(setup.schedule);
  const lastWords = last ? `The last backup succeeded at ${fmtTime(last)}.` : 'No backup has succeeded yet.';
  if (owed === undefined)
    return {
      ...base,
      observed: 'ok',
      title: 'Backups are on schedule again',
      detail: `${lastWords} Backups run ${plan}.`,
    };
  return {
    ...base,
    observed: 'alert',
    since: owed,
    title: 'A scheduled backup did not run',
    detail:
      `Backups should run ${plan}; one was due at ${fmtTime(owed)} and none has run since. ${lastWords} ` +
      `Mail received since then is not backed up.`,
    advice:
      `The jobs role runs the scheduled backups: check in the Facteur app that it is up, then run a backup from the backup page. ` +
      `If the server was switched off, the backup runs by itself once it is back.`,
  };
}

export async function observeAll(deps: ConditionDeps, t: Thresholds, now: number): Promise<Observation[]> {
  const [roles, disk, blocklist, backup, missed] = await Promise.all([
    roleObservations(deps, t, now),
    diskObservation(deps, t),
    blocklistObservation(deps),
    backupObservation(deps),
    backupMissedObservation(deps, t.backupMissedGraceMs ?? 0, now),
  ]);
  return [
    ...roles,
    disk,
    certificateObservation(deps, t, now),
    ...(blocklist ? [blocklist] : []),
    backup,
    ...(missed ? [missed] : []),
  ];
}
