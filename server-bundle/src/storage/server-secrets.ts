// The server's own secrets file (mode 600). It opens the config database and, later, the outbound
// queue — never a mailbox: mailbox keys are wrapped under user secrets the server does not keep.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readFile, rename, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface ServerSecrets {
  v: 1;
  /** hex, 32 bytes: key of config.db */
  configDbKey: string;
  /** Other roles add their own entries (queue key, control token...); they are preserved. */
  [name: string]: unknown;
}

export function configDbKeyOf(s: ServerSecrets): Buffer {
  const k = Buffer.from(s.configDbKey, 'hex');
  if (k.length !== 32) throw new Error('configDbKey must be 32 bytes of hex');
  return k;
}

/** Loads the secrets file, creating it (atomically, mode 600) on first start. */
export async function loadOrCreateServerSecrets(path: string): Promise<ServerSecrets> {
  try {
    const st = await stat(path);
    if ((st.mode & 0o077) !== 0)
      throw new Error(`${path} must not be readable by group or others (chmod 600)`);
    const s = JSON.parse(await readFile(path, 'utf8')) as ServerSecrets;
    if (s.v !== 1 || typeof s.configDbKey !== 'string') throw new Error(`${path}: unknown secrets format`);
    configDbKeyOf(s);
    return s;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const secrets: ServerSecrets = { v: 1, configDbKey: randomBytes(32).toString('hex') };
  await writeServerSecrets(path, secrets);
  return secrets;
}

export async function writeServerSecrets(path: string, secrets: ServerSecrets): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${randomBytes(4).toString('hex')}`;
  const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    await fh.writeFile(JSON.stringify(secrets, null, 2) + '\n');
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  const dir = await open(dirname(path), constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
