/**
 * The backup key of a server: the password of its restic repository. Generated here (32 random
 * bytes), kept in the vault as `backup-key:<serverId>`, and given to the server once so scheduled
 * backups run without the app. Losing it loses the backups, so it is never replaced once made.
 */
import { randomBytes } from 'node:crypto';
import type { Vault } from '../vault/vault';

interface StoredBackupKey {
  v: 1;
  /** base64url of 32 random bytes: the repository password itself. */
  key: string;
  createdAt: string;
}

const vaultKey = (serverId: string): string => `backup-key:${serverId}`;

export async function readBackupKey(vault: Vault, serverId: string): Promise<string | undefined> {
  return (await vault.get<StoredBackupKey>(vaultKey(serverId)))?.key;
}

/** The server's key, created and saved the first time. */
export async function ensureBackupKey(vault: Vault, serverId: string): Promise<string> {
  const existing = await readBackupKey(vault, serverId);
  if (existing) return existing;
  const key = randomBytes(32).toString('base64url');
  await writeBackupKey(vault, serverId, key);
  return key;
}

/** Stores a key under another server id (a restore onto a new server keeps reading the same repository). */
export function writeBackupKey(vault: Vault, serverId: string, key: string): Promise<void> {
  return vault.set(vaultKey(serverId), {
    v: 1,
    key,
    createdAt: new Date().toISOString(),
  } satisfies StoredBackupKey);
}
