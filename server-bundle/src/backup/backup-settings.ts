// Validation of backup settings (backup.json, PUT /v1/backups/settings): what cannot work is
// refused with a plain message before anything touches the target.
import { BackupError } from './backup-errors.ts';
import {
  DEFAULT_LOCAL_REPOSITORY,
  DEFAULT_RETENTION,
  type BackupSettings,
  type BackupTarget,
} from './backup-types.ts';

const bad = (message: string) => new BackupError('INVALID', message);
const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function str(o: Record<string, unknown>, k: string, what: string, opts: { empty?: boolean } = {}): string {
  const v = o[k];
  if (typeof v !== 'string' || (!opts.empty && !v.trim()) || v.length > 16_384)
    throw bad(`${what} is required`);
  return v;
}

function parseTarget(t: unknown): BackupTarget {
  if (!isObj(t)) throw bad('a backup target is required');
  if (t.kind === 'local') {
    const path = t.path === undefined ? DEFAULT_LOCAL_REPOSITORY : str(t, 'path', 'the backup directory');
    if (!path.startsWith('/') || path.includes('\0'))
      throw bad('the backup directory must be an absolute path');
    return { kind: 'local', path };
  }
  if (t.kind === 'sftp') {
    const port = t.port ?? 22;
    if (!Number.isInteger(port) || (port as number) < 1 || (port as number) > 65535)
      throw bad('the SFTP port is invalid');
    const host = str(t, 'host', 'the SFTP host');
    const user = str(t, 'user', 'the SFTP user');
    if (!/^[A-Za-z0-9._:-]+$/.test(host)) throw bad('the SFTP host is invalid');
    if (!/^[A-Za-z0-9._-]+$/.test(user)) throw bad('the SFTP user is invalid');
    const path = str(t, 'path', 'the SFTP directory');
    if (/\s/.test(path)) throw bad('the SFTP directory must not contain spaces');
    return {
      kind: 'sftp',
      host,
      port: port as number,
      user,
      path,
      privateKey: str(t, 'privateKey', 'the SFTP private key'),
      knownHosts: str(t, 'knownHosts', "the SFTP server's host key (known_hosts line)"),
    };
  }
  if (t.kind === 's3') {
    const endpoint = str(t, 'endpoint', 'the S3 endpoint');
    if (!/^https?:\/\/[^\s/]+\/?$/.test(endpoint))
      throw bad('the S3 endpoint must be like https://s3.example.com');
    const bucket = str(t, 'bucket', 'the S3 bucket');
    if (!/^[a-z0-9][a-z0-9.-]{1,62}$/.test(bucket)) throw bad('the S3 bucket name is invalid');
    const prefix = typeof t.prefix === 'string' ? t.prefix : '';
    if (!/^[A-Za-z0-9._/-]*$/.test(prefix)) throw bad('the S3 folder is invalid');
    return {
      kind: 's3',
      endpoint,
      bucket,
      prefix,
      region: typeof t.region === 'string' ? t.region : '',
      accessKeyId: str(t, 'accessKeyId', 'the S3 access key'),
      secretAccessKey: str(t, 'secretAccessKey', 'the S3 secret key'),
      ...(typeof t.caCert === 'string' && t.caCert.includes('BEGIN CERTIFICATE') ? { caCert: t.caCert } : {}),
    };
  }
  throw bad('the backup target must be local, sftp or s3');
}

export function parseSettings(v: unknown): BackupSettings {
  if (!isObj(v)) throw bad('backup settings are required');
  const target = parseTarget(v.target);
  const s = v.schedule;
  let schedule: BackupSettings['schedule'];
  if (isObj(s) && typeof s.everyMs === 'number' && Number.isFinite(s.everyMs) && s.everyMs >= 1000) {
    schedule = { everyMs: s.everyMs };
  } else if (isObj(s) && typeof s.dailyAt === 'string' && /^([01]\d|2[0-3]):[0-5]\d$/.test(s.dailyAt)) {
    schedule = { dailyAt: s.dailyAt };
  } else {
    throw bad("the schedule must be { everyMs } or { dailyAt: 'HH:MM' }");
  }
  const r = isObj(v.retention) ? v.retention : {};
  const keep = (k: keyof BackupSettings['retention']) => {
    const n = r[k] ?? DEFAULT_RETENTION[k];
    if (!Number.isInteger(n) || (n as number) < 0 || (n as number) > 1000)
      throw bad(`retention ${k} must be 0..1000`);
    return n as number;
  };
  const retention = {
    last: keep('last'),
    daily: keep('daily'),
    weekly: keep('weekly'),
    monthly: keep('monthly'),
  };
  if (retention.last + retention.daily + retention.weekly + retention.monthly === 0)
    throw bad('retention must keep at least one backup');
  const verifyIn = isObj(v.verify) ? v.verify : {};
  const subset = verifyIn.readDataSubset;
  if (
    subset !== undefined &&
    subset !== '' &&
    (typeof subset !== 'string' || !/^(\d+(\.\d+)?%|\d+\/\d+|\d+[kKmMgGtT]?)$/.test(subset))
  )
    throw bad("verify.readDataSubset must be like '5%', '1/10' or '100M'");
  if (v.enabled !== undefined && typeof v.enabled !== 'boolean') throw bad('enabled must be true or false');
  return {
    // settings saved before backups could be turned off are on
    enabled: v.enabled !== false,
    target,
    schedule,
    retention,
    verify: subset ? { readDataSubset: subset as string } : {},
  };
}
