import { randomBytes } from 'node:crypto';
import { safeStorage } from 'electron';
import { readFileIfExists, writeFileAtomic } from '../services/fs/atomic-file';
import type { KeyProvider } from '../services/vault/vault';

/** The vault key, itself encrypted by the operating system's keychain through safeStorage. */
export class SafeStorageKeyProvider implements KeyProvider {
  private key: Buffer | undefined;

  constructor(private readonly path: string) {}

  async getKey(): Promise<Buffer> {
    if (this.key) return this.key;
    if (!safeStorage.isEncryptionAvailable()) throw new Error('The system keychain is not available');
    const sealed = await readFileIfExists(this.path);
    if (sealed) return (this.key = Buffer.from(safeStorage.decryptString(sealed), 'base64'));
    const key = randomBytes(32);
    await writeFileAtomic(this.path, safeStorage.encryptString(key.toString('base64')));
    return (this.key = key);
  }
}
