/**
 * Scheduled auto-upgrade: while the app runs, every `intervalMs` it looks at each server whose
 * owner turned auto-upgrade on, and upgrades it once a day, at or after its window time (local
 * clock), when the available version is newer than the running one. A server is tried at most
 * once per day, whether the attempt upgraded, rolled back or failed; outcomes go to `onOutcome`.
 */
import type { UpgradeResult, UpgradeSettings, UpgradeVersions } from '../../../shared/upgrade';

export interface AutoUpgradeDeps {
  settings: () => Promise<Array<[string, UpgradeSettings]>>;
  versions: (serverId: string) => Promise<UpgradeVersions>;
  upgrade: (serverId: string) => Promise<UpgradeResult>;
  onOutcome: (serverId: string, outcome: UpgradeResult | Error) => void;
  intervalMs: number;
  now?: () => Date;
}

/** The local day (YYYY-MM-DD) on which `now` is at or past the window, else undefined. */
export function dueDay(window: string, now: Date): string | undefined {
  const [h, m] = window.split(':').map(Number) as [number, number];
  if (now.getHours() * 60 + now.getMinutes() < h * 60 + m) return undefined;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

export class AutoUpgradeScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** Server id -> the day it was last tried. */
  private readonly tried = new Map<string, string>();

  constructor(private readonly deps: AutoUpgradeDeps) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.deps.intervalMs);
    void this.tick();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One round (never two at once): returns when every due server has been tried. */
  tick(): Promise<void> {
    this.running ??= this.round().finally(() => (this.running = undefined));
    return this.running;
  }

  private async round(): Promise<void> {
    const now = (this.deps.now ?? (() => new Date()))();
    for (const [serverId, settings] of await this.deps.settings()) {
      if (!settings.autoUpgrade.enabled) continue;
      const day = dueDay(settings.autoUpgrade.window, now);
      if (!day || this.tried.get(serverId) === day) continue;
      this.tried.set(serverId, day);
      try {
        const versions = await this.deps.versions(serverId);
        if (!versions.upgradeAvailable) continue;
        this.deps.onOutcome(serverId, await this.deps.upgrade(serverId));
      } catch (err) {
        this.deps.onOutcome(serverId, err as Error);
      }
    }
  }
}
