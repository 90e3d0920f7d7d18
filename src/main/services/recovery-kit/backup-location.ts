/**
 * Where a server's backups are, written the way restic names a repository (`-r`), so the sheet
 * alone is enough to open them: a path on the server, `sftp:user@host:/path`, or
 * `s3:endpoint/bucket/prefix`. No credential of the storage is printed, only the place.
 */
import type { BackupSettings } from '../../../shared/backup';

export function backupLocation(settings: BackupSettings, serverHost: string): string | undefined {
  if (!settings.configured) return undefined;
  const t = settings.target;
  let where: string;
  switch (t.kind) {
    case 'local':
      where = `${t.path} (on ${serverHost} itself)`;
      break;
    case 'sftp':
      where = `sftp:${t.user}@${t.host}:${t.path}${t.port === 22 ? '' : ` (SSH port ${t.port})`}`;
      break;
    case 's3':
      where = `s3:${t.endpoint.replace(/\/+$/, '')}/${t.bucket}${t.prefix ? `/${t.prefix.replace(/^\/+/, '')}` : ''} (region ${t.region}, access key id ${t.accessKeyId})`;
      break;
  }
  return settings.keepLaptopCopy ? `${where}; a copy is kept on the computer that set it up` : where;
}
