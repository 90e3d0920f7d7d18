// Failures of the backup engine, each with a code the control API and the CLI translate and a
// message written for the owner (what happened and what to do). Messages never carry the key.
export type BackupErrorCode =
  | 'NOT_CONFIGURED' // no backup.json / backup-key yet
  | 'INVALID' // settings that cannot work (bad path, bad schedule, ...)
  | 'WRONG_KEY' // the backup key does not open the repository
  | 'REPO_MISSING' // no repository at the target (and none could be created)
  | 'CORRUPT' // pack files damaged or truncated: restic check / restore refused them
  | 'LOCKED' // another restic process holds the repository lock
  | 'BUSY' // a backup or restore is already running on this server
  | 'UNREACHABLE' // the target (SFTP host, S3 endpoint) cannot be reached or refused us
  | 'DISK_FULL' // no space left at the target or in the data dir
  | 'NOT_FOUND' // no such snapshot / mailbox
  | 'FAILED'; // anything else, with restic's last line (never a secret)

export class BackupError extends Error {
  override name = 'BackupError';
  readonly code: BackupErrorCode;
  constructor(code: BackupErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}
