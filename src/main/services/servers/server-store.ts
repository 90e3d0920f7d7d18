import type { ServerProfile } from '../../../shared/contract';
import { readFileIfExists, writeFileAtomic } from '../fs/atomic-file';

/** Server profiles (no secrets: those live in the vault), kept in one owner-only JSON file. */
export class ServerStore {
  constructor(private readonly path: string) {}

  async list(): Promise<ServerProfile[]> {
    const raw = await readFileIfExists(this.path);
    return raw ? (JSON.parse(raw.toString('utf8')) as { servers: ServerProfile[] }).servers : [];
  }

  async get(id: string): Promise<ServerProfile | undefined> {
    return (await this.list()).find((s) => s.id === id);
  }

  async put(profile: ServerProfile): Promise<void> {
    const servers = (await this.list()).filter((s) => s.id !== profile.id);
    servers.push(profile);
    await writeFileAtomic(this.path, JSON.stringify({ servers }, null, 2));
  }

  async remove(id: string): Promise<boolean> {
    const servers = await this.list();
    const kept = servers.filter((s) => s.id !== id);
    if (kept.length === servers.length) return false;
    await writeFileAtomic(this.path, JSON.stringify({ servers: kept }, null, 2));
    return true;
  }
}
