/**
 * One recovery key per server, created the first time a mailbox needs it and kept in the vault
 * from then on (never replaced: every mailbox's recovery wrap is sealed to it).
 */
import type { Vault } from '../vault/vault';
import { generateRecoveryKey, parseRecoveryPrivateKey, type RecoveryKey } from './recovery-key';

interface StoredRecoveryKey {
  v: 1;
  /** suite || seed, base64 */
  privateKey: string;
  createdAt: string;
}

const vaultKey = (serverId: string): string => `recovery-key:${serverId}`;

export class RecoveryKeyStore {
  /** Creations in flight, so two first mailboxes at once still make one key. */
  private readonly creating = new Map<string, Promise<RecoveryKey>>();

  constructor(private readonly vault: Vault) {}

  async get(serverId: string): Promise<RecoveryKey | undefined> {
    const stored = await this.vault.get<StoredRecoveryKey>(vaultKey(serverId));
    return stored ? parseRecoveryPrivateKey(Buffer.from(stored.privateKey, 'base64')) : undefined;
  }

  /** The server's key, created and saved the first time. */
  ensure(serverId: string): Promise<RecoveryKey> {
    const pending = this.creating.get(serverId);
    if (pending) return pending;
    const made = (async () => {
      const existing = await this.get(serverId);
      if (existing) return existing;
      const key = generateRecoveryKey();
      await this.vault.set(vaultKey(serverId), {
        v: 1,
        privateKey: key.privateBytes.toString('base64'),
        createdAt: new Date().toISOString(),
      } satisfies StoredRecoveryKey);
      return key;
    })().finally(() => this.creating.delete(serverId));
    this.creating.set(serverId, made);
    return made;
  }
}
