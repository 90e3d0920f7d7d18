/**
 * The desktop's encrypted vault: every secret the app holds (SSH keys, later control tokens,
 * recovery and backup keys) lives here, AES-256-GCM encrypted under a key from a KeyProvider
 * (Electron safeStorage in the app, an owner-only key file elsewhere). File mode 0600.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { FacteurError } from '../../../shared/errors';
import { readFileIfExists, writeFileAtomic } from '../fs/atomic-file';

export interface KeyProvider {
  /** A stable 32-byte key; created on first use. */
  getKey(): Promise<Buffer>;
}

interface VaultFile {
  version: 1;
  iv: string;
  tag: string;
  data: string;
}

type Entries = Record<string, unknown>;

export class Vault {
  private cache: Entries | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly path: string,
    private readonly keys: KeyProvider,
  ) {}

  async get<T>(name: string): Promise<T | undefined> {
    const entries = await this.load();
    return entries[name] as T | undefined;
  }

  set(name: string, value: unknown): Promise<void> {
    return this.mutate((entries) => {
      entries[name] = value;
    });
  }

  delete(name: string): Promise<void> {
    return this.mutate((entries) => {
      delete entries[name];
    });
  }

  private mutate(change: (entries: Entries) => void): Promise<void> {
    // Serialise writers so two concurrent changes never lose one another.
    const next = this.queue.then(async () => {
      const entries = { ...(await this.load()) };
      change(entries);
      await this.save(entries);
      this.cache = entries;
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async load(): Promise<Entries> {
    if (this.cache) return this.cache;
    const raw = await readFileIfExists(this.path);
    if (!raw) return (this.cache = {});
    const file = JSON.parse(raw.toString('utf8')) as VaultFile;
    const key = await this.keys.getKey();
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(file.iv, 'base64'));
      decipher.setAuthTag(Buffer.from(file.tag, 'base64'));
      const plain = Buffer.concat([decipher.update(Buffer.from(file.data, 'base64')), decipher.final()]);
      this.cache = JSON.parse(plain.toString('utf8')) as Entries;
      return this.cache;
    } catch {
      throw new FacteurError(
        'VAULT_LOCKED',
        'Facteur cannot open its vault on this computer: the key that protects it does not match.',
      );
    }
  }

  private async save(entries: Entries): Promise<void> {
    const key = await this.keys.getKey();
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const data = Buffer.concat([cipher.update(JSON.stringify(entries), 'utf8'), cipher.final()]);
    const file: VaultFile = {
      version: 1,
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      data: data.toString('base64'),
    };
    await writeFileAtomic(this.path, JSON.stringify(file));
  }
}
