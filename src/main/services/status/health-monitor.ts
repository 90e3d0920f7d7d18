/**
 * While the app runs, reads each deployed server's health at a configured interval and raises a
 * desktop alert once per state change: a role down or back, the disk over 90 %, the certificate
 * under 14 days, the server's address on a blocklist. State lives in memory only.
 */
import { randomUUID } from 'node:crypto';
import type { Alert, AlertKind } from '../../../shared/status';
import type { DesktopConfig } from '../../config';
import { readDeployment } from '../deploy/deployment-record';
import type { ControlAccess } from '../mail/control-access';
import type { ServerService } from '../servers/server-service';
import type { Vault } from '../vault/vault';
import { alertText, type AlertParams } from './alert-texts';
import { AlertTracker } from './alert-tracker';
import type { BlocklistResult } from './blocklists';
import { CERTIFICATE_WARN_DAYS, HEADROOM } from './check';
import { rolesDown, type ServerHealth } from './stack-checks';
import { serverIpv4 } from './status-service';

/** What one poll saw of a server; undefined fields were not observed this time. */
export interface HealthObservation {
  rolesDown?: string[];
  diskPercent?: number;
  certificateDays?: number;
  ip?: string;
  listedOn?: string[];
}

interface SeriesList {
  series: { name: string; latest: { t: number; v: number } | null }[];
}

/** Alerts kept for the renderer's list (the newest first). */
const KEPT_ALERTS = 50;

export interface HealthMonitorDeps {
  servers: Pick<ServerService, 'list'>;
  vault: Vault;
  control: Pick<ControlAccess, 'with'>;
  blocklists: (ipv4: string | undefined) => Promise<BlocklistResult>;
  emit: (alert: Alert) => void;
  config: Pick<DesktopConfig['status'], 'monitorIntervalMs' | 'blocklistIntervalMs'>;
  now?: () => Date;
}

export class HealthMonitor {
  private readonly tracker = new AlertTracker();
  private readonly recent: Alert[] = [];
  private readonly blocklistAskedAt = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private readonly now: () => Date;

  constructor(private readonly deps: HealthMonitorDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  start(): void {
    if (this.timer) return;
    const tick = (): void => {
      void this.pollOnce().finally(() => {
        if (this.timer) this.timer = setTimeout(tick, this.deps.config.monitorIntervalMs);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The alerts raised since the app started, newest first. */
  alerts(): Alert[] {
    return [...this.recent];
  }

  /** One round over every deployed server; a round already running is joined, not doubled. */
  pollOnce(): Promise<void> {
    this.polling ??= this.round().finally(() => (this.polling = undefined));
    return this.polling;
  }

  private async round(): Promise<void> {
    const servers = await this.deps.servers.list();
    await Promise.all(
      servers.map(async (s) => {
        if (!(await readDeployment(this.deps.vault, s.id))) return;
        const seen = await this.observe(s.id, s.host);
        this.compare(s.id, s.name, seen);
      }),
    );
  }

  async observe(serverId: string, host: string): Promise<HealthObservation> {
    const seen: HealthObservation = {};
    let reached = false;
    try {
      await this.deps.control.with(serverId, async ({ api }) => {
        reached = true;
        const health = await api.get<ServerHealth>('/v1/health');
        seen.rolesDown = rolesDown(health);
        if (health.certificate) seen.certificateDays = Math.floor(health.certificate.daysLeft);
        const { series } = await api.get<SeriesList>('/v1/metrics/series').catch(() => ({ series: [] }));
        const disk = series.find((s) => s.name === 'disk')?.latest;
        if (disk) seen.diskPercent = Math.round(disk.v);
      });
    } catch {
      // SSH itself failed: this computer may be offline, so nothing is known. SSH worked but the
      // control API did not answer: the administration role is down.
      if (reached && seen.rolesDown === undefined) seen.rolesDown = ['control'];
    }
    const last = this.blocklistAskedAt.get(serverId);
    const t = this.now().getTime();
    if (last === undefined || t - last >= this.deps.config.blocklistIntervalMs) {
      this.blocklistAskedAt.set(serverId, t);
      const ip = await serverIpv4(host);
      const result = await this.deps.blocklists(ip);
      if (result.kind === 'asked') {
        seen.ip = ip;
        const listed = result.answers.filter((a) => a.outcome === 'listed').map((a) => a.zone);
        // Every list answered, or one says listed: otherwise the state stays what it was.
        if (listed.length || result.answers.every((a) => a.outcome === 'clear')) seen.listedOn = listed;
      }
    }
    return seen;
  }

  private compare(serverId: string, server: string, seen: HealthObservation): void {
    const signal = (
      name: string,
      bad: boolean | undefined,
      problem: AlertKind,
      recovered: AlertKind,
      params: AlertParams,
    ): void => {
      const change = this.tracker.observe(serverId, name, bad);
      if (change) this.raise(serverId, server, change === 'problem' ? problem : recovered, params);
    };
    signal('roles', seen.rolesDown && seen.rolesDown.length > 0, 'roleDown', 'roleRecovered', {
      roles: (seen.rolesDown ?? []).join(', '),
    });
    signal(
      'disk',
      seen.diskPercent === undefined ? undefined : seen.diskPercent > HEADROOM.failPercent,
      'diskFull',
      'diskRecovered',
      { percent: seen.diskPercent ?? 0 },
    );
    signal(
      'certificate',
      seen.certificateDays === undefined ? undefined : seen.certificateDays < CERTIFICATE_WARN_DAYS,
      'certificateExpiring',
      'certificateRenewed',
      { days: seen.certificateDays ?? 0 },
    );
    signal('blocklist', seen.listedOn && seen.listedOn.length > 0, 'blocklisted', 'delisted', {
      ip: seen.ip ?? '',
      zones: (seen.listedOn ?? []).join(', '),
    });
  }

  private raise(serverId: string, serverName: string, kind: AlertKind, extra: AlertParams): void {
    const params = { server: serverName, ...extra };
    const alert: Alert = {
      id: randomUUID(),
      serverId,
      serverName,
      kind,
      severity:
        kind.endsWith('Recovered') || kind === 'certificateRenewed' || kind === 'delisted'
          ? 'recovered'
          : 'problem',
      ...alertText(kind, params),
      params,
      at: this.now().toISOString(),
    };
    this.recent.unshift(alert);
    this.recent.length = Math.min(this.recent.length, KEPT_ALERTS);
    this.deps.emit(alert);
  }
}
