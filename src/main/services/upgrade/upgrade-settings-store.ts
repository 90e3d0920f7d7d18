/**
 * The upgrade settings of each server on this computer (upgrade-settings.json, mode 600): an
 * optional registry image to pull instead of the bundled one, and the scheduled auto-upgrade.
 */
import { readFileIfExists, writeFileAtomic } from '../fs/atomic-file';
import { upgradeSettings, type UpgradeSettings } from '../../../shared/upgrade';

export const DEFAULT_UPGRADE_SETTINGS: UpgradeSettings = {
  registry: '',
  autoUpgrade: { enabled: false, window: '03:30' },
};

export class UpgradeSettingsStore {
  constructor(private readonly path: string) {}

  private async all(): Promise<Record<string, UpgradeSettings>> {
    const raw = await readFileIfExists(this.path);
    return raw ? (JSON.parse(raw.toString('utf8')) as Record<string, UpgradeSettings>) : {};
  }

  async get(serverId: string): Promise<UpgradeSettings> {
    const saved = (await this.all())[serverId];
    const parsed = upgradeSettings.safeParse(saved);
    return parsed.success ? parsed.data : DEFAULT_UPGRADE_SETTINGS;
  }

  async set(serverId: string, settings: UpgradeSettings): Promise<UpgradeSettings> {
    const all = await this.all();
    all[serverId] = settings;
    await writeFileAtomic(this.path, JSON.stringify(all, null, 2) + '\n');
    return settings;
  }

  async entries(): Promise<Array<[string, UpgradeSettings]>> {
    return Object.entries(await this.all());
  }
}
