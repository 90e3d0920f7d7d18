import { randomBytes } from 'node:crypto';
import { readFileIfExists, writeFileAtomic } from '../fs/atomic-file';

/** Where Electron's safeStorage is absent: a random key in a file only its owner can read (0600). */
export class FileKeyProvider {
  private key: Buffer | undefined;

  constructor(private readonly path: string) {}

  async getKey(): Promise<Buffer> {
    if (this.key) return this.key;
    const existing = await readFileIfExists(this.path);
    if (existing && existing.length === 32) return (this.key = existing);
    const key = randomBytes(32);
    await writeFileAtomic(this.path, key);
    return (this.key = key);
  }
}
