/**
 * The desktop's encrypted vault: every secret the app holds (SSH keys, later control tokens,
 * recovery and backup keys) lives here, AES-256-GCM encrypted under a key from a KeyProvider
 * (Electron safeStorage in the app, an owner-only key file elsewhere). File mode 0600.
 * Each entry carries the time it was last written, so a recovery kit merged into another vault can
 * keep whichever copy of an entry is newer.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { FacteurError } from '../../../shared/errors';
import { readFileIfExists, writeFileAtomic } from '../fs/atomic-file';

export interface KeyProvider {
  /** A stable 32-byte key; created on first use. */
  getKey(): Promise<Buffer>;
}

interface VaultFile {
  /** 1: the plaintext is the entries; 2: it is `{ entries, updatedAt }`. */
  version: 1 | 2;
  iv: string;
  tag: string;
  data: string;
}

type Entries = Record<string, unknown>;

interface Contents {
  entries: Entries;
  /** ISO time of each entry's last write (absent for entries written before times were kept). */
  updatedAt: Record<string, string>;
}

export interface VaultEntry {
  name: string;
  value: unknown;
  updatedAt?: string;
}

export class Vault {
  private cache: Contents | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly path: string,
    private readonly keys: KeyProvider,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async get<T>(name: string): Promise<T | undefined> {
    const { entries } = await this.load();
    return entries[name] as T | undefined;
  }

  /** Every entry with its last write time (for the recovery kit). */
  async list(): Promise<VaultEntry[]> {
    const { entries, updatedAt } = await this.load();
    return Object.entries(entries).map(([name, value]) => ({ name, value, updatedAt: updatedAt[name] }));
  }

  set(name: string, value: unknown): Promise<void> {
    return this.put({ name, value, updatedAt: this.now().toISOString() });
  }

  /** Writes an entry keeping the given write time (an entry imported from a recovery kit). */
  put(entry: VaultEntry): Promise<void> {
    return this.mutate((contents) => {
      contents.entries[entry.name] = entry.value;
      if (entry.updatedAt) contents.updatedAt[entry.name] = entry.updatedAt;
      else delete contents.updatedAt[entry.name];
    });
  }

  delete(name: string): Promise<void> {
    return this.mutate((contents) => {
      delete contents.entries[name];
      delete contents.updatedAt[name];
    });
  }

  private mutate(change: (contents: Contents) => void): Promise<void> {
    // Serialise writers so two concurrent changes never lose one another.
    const next = this.queue.then(async () => {
      const loaded = await this.load();
      const contents = { entries: { ...loaded.entries }, updatedAt: { ...loaded.updatedAt } };
      change(contents);
      await this.save(contents);
      this.cache = contents;
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async load(): Promise<Contents> {
    if (this.cache) return this.cache;
    const raw = await readFileIfExists(this.path);
    if (!raw) return (this.cache = { entries: {}, updatedAt: {} });
    const file = JSON.parse(raw.toString('utf8')) as VaultFile;
    const key = await this.keys.getKey();
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(file.iv, 'base64'));
      decipher.setAuthTag(Buffer.from(file.tag, 'base64'));
      const plain = Buffer.concat([decipher.update(Buffer.from(file.data, 'base64')), decipher.final()]);
      const parsed = JSON.parse(plain.toString('utf8')) as unknown;
      this.cache = file.version === 2 ? (parsed as Contents) : { entries: parsed as Entries, updatedAt: {} };
      return this.cache;
    } catch {
      throw new FacteurError(
        'VAULT_LOCKED',
        'Facteur cannot open its vault on this computer: the key that protects it does not match.',
      );
    }
  }

  private async save(contents: Contents): Promise<void> {
    const key = await this.keys.getKey();
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const data = Buffer.concat([cipher.update(JSON.stringify(contents), 'utf8'), cipher.final()]);
    const file: VaultFile = {
      version: 2,
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      data: data.toString('base64'),
    };
    await writeFileAtomic(this.path, JSON.stringify(file));
  }
}
