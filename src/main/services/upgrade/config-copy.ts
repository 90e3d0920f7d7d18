/**
 * The copy of the configuration taken before a new image's `init` migrates it: the config database
 * (with its WAL or journal) and facteur.json, kept beside the data directory (root only, files
 * keep their owner and mode 600). A rollback puts exactly these files back, with the roles stopped.
 * Spool, queue and mailbox files are never part of it: restoring it cannot remove accepted mail.
 */
import { FacteurError } from '../../../shared/errors';
import { shq, type RemoteShell } from '../stack/remote-shell';
import { CONFIG_FILE } from '../stack/stack-spec';

/** The config database's files (SQLite's -shm is rebuilt on open and never copied). */
const DB_FILES = ['config.db', 'config.db-wal', 'config.db-journal'];

export const copyDirOf = (dataDir: string): string => `${dataDir.replace(/\/+$/, '')}.pre-upgrade`;

async function run(shell: RemoteShell, script: string, timeoutMs: number, what: string): Promise<string> {
  const res = await shell.exec(script, { timeoutMs });
  if (res.code !== 0) {
    throw new FacteurError(
      'COMMAND_FAILED',
      `${what} failed on the server (exit ${res.code}): ${(res.stderr || res.stdout).trim().slice(0, 400)}`,
    );
  }
  return res.stdout;
}

/**
 * Copies the files while the roles run: a copy counts only when every file's size, time and inode
 * are the same before and after it (a write in between means copying again).
 */
export async function takeConfigCopy(shell: RemoteShell, dataDir: string, timeoutMs: number): Promise<void> {
  const files = [...DB_FILES, CONFIG_FILE].map((f) => shq(`${dataDir}/${f}`)).join(' ');
  const dest = shq(copyDirOf(dataDir));
  await run(
    shell,
    `set -eu; d=${dest}; t="$d.tmp"; rm -rf "$t"; install -d -m 700 "$t"
     snap() { for f in ${files}; do if [ -e "$f" ]; then stat -c '%n %s %.9Y %i' "$f"; fi; done; }
     ok=''
     for i in 1 2 3 4 5 6 7 8 9 10; do
       before=$(snap); find "$t" -mindepth 1 -delete
       for f in ${files}; do if [ -e "$f" ]; then cp -p "$f" "$t/"; fi; done
       [ "$before" = "$(snap)" ] && { ok=1; break; }
       sleep 0.3
     done
     [ -n "$ok" ] || { echo 'the configuration kept changing during the copy' >&2; exit 3; }
     sync; rm -rf "$d"; mv "$t" "$d"`,
    timeoutMs,
    'Copying the configuration before the upgrade',
  );
}

/** Puts the copy back (the roles must be stopped): files absent from the copy are removed. */
export async function restoreConfigCopy(
  shell: RemoteShell,
  dataDir: string,
  timeoutMs: number,
): Promise<void> {
  const src = shq(copyDirOf(dataDir));
  const names = [...DB_FILES, 'config.db-shm', CONFIG_FILE].join(' ');
  await run(
    shell,
    `set -eu; s=${src}; d=${shq(dataDir)}; [ -f "$s/config.db" ] || { echo "no copy in $s" >&2; exit 3; }
     for n in ${names}; do rm -f "$d/$n"; if [ -e "$s/$n" ]; then cp -p "$s/$n" "$d/$n"; fi; done; sync`,
    timeoutMs,
    'Putting the configuration back',
  );
}
