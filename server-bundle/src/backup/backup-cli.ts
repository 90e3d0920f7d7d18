// facteur-server backup run|list|contents|restore|check|init-repo|verify-mailbox: the backup engine
// from a shell or a one-shot container (the desktop runs restores this way, with the roles
// stopped). Output is JSON: one object, or for run and restore JSON lines
// {"event":"progress",...} then {"event":"done",...}; any failure is
// {"event":"error","code","message"} and exit status 1.
import { BackupError } from './backup-errors.ts';
import { BackupService, verifyMailbox } from './backup-service.ts';
import type { BackupSettings } from './backup-types.ts';

export interface BackupCliOptions {
  snapshot?: string;
  mailbox?: string;
  readData?: string;
  /** stdin, read only by the commands that take a secret there (never an argument: ps shows those). */
  stdin: () => Promise<string>;
  serverVersion: string;
}

const print = (o: unknown) => process.stdout.write(JSON.stringify(o) + '\n');

export async function runBackupCommand(
  dataDir: string,
  args: string[],
  opts: BackupCliOptions,
): Promise<void> {
  const service = new BackupService({ dataDir, serverVersion: opts.serverVersion });
  const progress = (p: object) => print({ event: 'progress', ...p });
  try {
    switch (args[0]) {
      case 'run':
        print({ event: 'done', snapshot: await service.run(progress) });
        return;
      case 'list':
        print({ snapshots: await service.list(), status: (await service.status()) ?? null });
        return;
      case 'contents':
        print({ manifest: await service.contents(required(opts.snapshot ?? args[1], '--snapshot ID')) });
        return;
      case 'restore': {
        const result = await service.restore({
          snapshotId: required(opts.snapshot, '--snapshot ID'),
          mailbox: opts.mailbox,
          onProgress: progress,
        });
        print({ event: 'done', ...result });
        return;
      }
      case 'check':
        print(await service.check({ readData: opts.readData }));
        return;
      case 'init-repo': {
        // stdin: {"settings": BackupSettings, "key": "..."} (key optional once set)
        const body = JSON.parse(await opts.stdin()) as { settings?: BackupSettings; key?: string };
        const r = await service.writeSettings(body.settings as BackupSettings, body.key);
        print({ ok: true, ...r });
        return;
      }
      case 'verify-mailbox': {
        const hex = (await opts.stdin()).trim();
        if (!/^[0-9a-fA-F]{64}$/.test(hex))
          throw new BackupError('INVALID', 'the mailbox key (64 hex characters) is expected on stdin');
        const key = Buffer.from(hex, 'hex');
        try {
          print(await verifyMailbox(dataDir, required(opts.mailbox, '--mailbox ADDRESS'), key));
        } finally {
          key.fill(0);
        }
        return;
      }
      default:
        throw new BackupError('INVALID', 'backup run|list|contents|restore|check|init-repo|verify-mailbox');
    }
  } catch (err) {
    const e =
      err instanceof BackupError
        ? { code: err.code, message: err.message }
        : {
            code: 'FAILED',
            message: err instanceof SyntaxError ? 'stdin is not valid JSON' : (err as Error).message,
          };
    print({ event: 'error', ...e });
    process.exitCode = 1;
  }
}

function required(v: string | undefined, what: string): string {
  if (!v) throw new BackupError('INVALID', `${what} is required`);
  return v;
}
