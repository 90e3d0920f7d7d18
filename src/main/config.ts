import { homedir } from 'node:os';
import { join } from 'node:path';
import { defaultResourcesDir } from './app-paths';

/** Every duration the desktop uses comes from here, so tests can shrink them. */
export interface DesktopConfig {
  dataDir: string;
  ssh: {
    readyMs: number;
    keepaliveMs: number;
    commandMs: number;
    /** A connection to a server's control API stays open this long after its last request. */
    idleMs: number;
  };
  dns: {
    /** Resolvers (host or host:port) for the live checks; empty: the system's. */
    resolvers: string[];
    /** Port the domain's authoritative servers are asked on (53; tests use another). */
    authPort: number;
    timeoutMs: number;
    tries: number;
    /** TTL of the records Facteur plans, in seconds. */
    ttl: number;
    /** Clock difference a TSIG-signed update may have (RFC 8945 fudge), in seconds. */
    tsigFudgeS: number;
  };
  preflight: {
    /** A public mail server (host:port) the server tries to reach to test outbound port 25. */
    smtpProbe: string;
    smtpProbeTimeoutS: number;
    /** Resolvers for reverse DNS; empty: the system's. */
    dnsServers: string[];
    dnsTimeoutMs: number;
  };
  deploy: {
    /** Where the server image archive and its manifest are (resources/). */
    resourcesDir: string;
    /** A dropped SSH connection during a deploy: reconnect this many times, this long apart. */
    reconnectAttempts: number;
    reconnectDelayMs: number;
    /** Disk space kept free on the server besides what the image needs. */
    diskMarginBytes: number;
    /** ACME directory for the server's certificates ('' = the server's default, Let's Encrypt). */
    acmeDirectoryUrl: string;
    /** PEM file on this computer of an extra CA the server trusts for the ACME directory (tests). */
    acmeCaFile: string;
    /** JSON merged into the server's configuration file (timers in tests, advanced settings). */
    serverConfig: Record<string, unknown>;
    /** Open the mail ports in ufw when the server has it. */
    firewall: boolean;
  };
  host: {
    /** apt-get update / install of Docker on the server, each (a slow mirror takes minutes). */
    aptTimeoutMs: number;
    /** apt waits this long for another package manager's lock (unattended upgrades on a fresh VPS). */
    aptLockWaitS: number;
    /** After starting Docker, its API must answer within this; asked every dockerPollMs. */
    dockerStartTimeoutMs: number;
    dockerPollMs: number;
  };
  status: {
    /** A TCP connection to each public mail port may take this long before it counts as closed. */
    portTimeoutMs: number;
    /** The simulated apt upgrade that counts pending updates (slow on a busy server). */
    updatesTimeoutMs: number;
    /** DNS blocklists (zones) asked about the server's IPv4 address. */
    blocklists: string[];
    /** Resolvers (host or host:port) for the blocklists; empty: the system's. */
    blocklistResolvers: string[];
    /** Health monitor: each deployed server's health is read this often while the app runs. */
    monitorIntervalMs: number;
    /** The monitor asks the blocklists this often at most (they limit how often one may ask). */
    blocklistIntervalMs: number;
    /** Off (FACTEUR_HEALTH_MONITOR=off): no polling, no desktop alerts. */
    monitor: boolean;
  };
  operate: {
    /** The dashboard asks the servers again this often (metrics, health, the servers list). */
    refreshMs: number;
    /** Points asked per metrics series; the server downsamples any range to about this many. */
    metricsPoints: number;
  };
  stack: {
    /** Each service of a fresh stack must answer its protocol within this (services/stack). */
    healthTimeoutMs: number;
    /** One-shot steps of a deploy (data directory, init container, token). */
    stepTimeoutMs: number;
  };
  upgrade: {
    /** A role replaced by an upgrade must be healthy within this, or everything is rolled back. */
    healthTimeoutMs: number;
    /** The auto-upgrade scheduler looks at each server's window this often while the app runs. */
    schedulerIntervalMs: number;
  };
  backup: {
    /** A running backup or restore is asked for its progress this often. */
    pollMs: number;
    /** The longest Facteur waits for a backup run it started (it goes on on the server after). */
    runTimeoutMs: number;
    /** A restore (one-shot container) may take this long. */
    restoreTimeoutMs: number;
    /** Backups a deploy turns on: on the server, daily at this time ('' = none). */
    dailyAt: string;
  };
}

function num(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

function jsonObject(env: NodeJS.ProcessEnv, name: string): Record<string, unknown> {
  const raw = env[name];
  if (!raw) return {};
  const value: unknown = JSON.parse(raw);
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new Error(`${name} must be a JSON object`);
  return value as Record<string, unknown>;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, defaultDataDir?: string): DesktopConfig {
  return {
    dataDir: env.FACTEUR_HOME || defaultDataDir || join(homedir(), '.config', 'facteur'),
    ssh: {
      readyMs: num(env, 'FACTEUR_SSH_READY_MS', 8000),
      keepaliveMs: num(env, 'FACTEUR_SSH_KEEPALIVE_MS', 15000),
      commandMs: num(env, 'FACTEUR_SSH_COMMAND_MS', 30000),
      idleMs: num(env, 'FACTEUR_SSH_IDLE_MS', 20000),
    },
    dns: {
      resolvers: (env.FACTEUR_DNS_SERVERS ?? '').split(',').filter(Boolean),
      authPort: num(env, 'FACTEUR_DNS_AUTH_PORT', 53),
      timeoutMs: num(env, 'FACTEUR_DNS_TIMEOUT_MS', 3000),
      tries: num(env, 'FACTEUR_DNS_TRIES', 2),
      ttl: num(env, 'FACTEUR_DNS_TTL', 3600),
      tsigFudgeS: num(env, 'FACTEUR_TSIG_FUDGE_S', 300),
    },
    preflight: {
      smtpProbe: env.FACTEUR_SMTP_PROBE || 'gmail-smtp-in.l.google.com:25',
      smtpProbeTimeoutS: num(env, 'FACTEUR_SMTP_PROBE_TIMEOUT_S', 5),
      dnsServers: (env.FACTEUR_DNS_SERVERS ?? '').split(',').filter(Boolean),
      dnsTimeoutMs: num(env, 'FACTEUR_DNS_TIMEOUT_MS', 3000),
    },
    deploy: {
      resourcesDir: env.FACTEUR_RESOURCES_DIR || defaultResourcesDir(),
      reconnectAttempts: num(env, 'FACTEUR_DEPLOY_RECONNECTS', 5),
      reconnectDelayMs: num(env, 'FACTEUR_DEPLOY_RECONNECT_DELAY_MS', 2000),
      diskMarginBytes: num(env, 'FACTEUR_DEPLOY_DISK_MARGIN_MB', 256) * 1048576,
      acmeDirectoryUrl: env.FACTEUR_ACME_DIRECTORY_URL ?? '',
      acmeCaFile: env.FACTEUR_ACME_CA_FILE ?? '',
      serverConfig: jsonObject(env, 'FACTEUR_SERVER_CONFIG'),
      firewall: env.FACTEUR_FIREWALL !== 'off',
    },
    host: {
      aptTimeoutMs: num(env, 'FACTEUR_APT_TIMEOUT_MS', 15 * 60_000),
      aptLockWaitS: num(env, 'FACTEUR_APT_LOCK_WAIT_S', 300),
      dockerStartTimeoutMs: num(env, 'FACTEUR_DOCKER_START_TIMEOUT_MS', 60_000),
      dockerPollMs: num(env, 'FACTEUR_DOCKER_POLL_MS', 500),
    },
    status: {
      portTimeoutMs: num(env, 'FACTEUR_STATUS_PORT_TIMEOUT_MS', 4000),
      updatesTimeoutMs: num(env, 'FACTEUR_STATUS_UPDATES_TIMEOUT_MS', 60_000),
      blocklists: (env.FACTEUR_BLOCKLISTS ?? 'zen.spamhaus.org,bl.spamcop.net,psbl.surriel.com')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      blocklistResolvers: (env.FACTEUR_BLOCKLIST_RESOLVERS ?? '').split(',').filter(Boolean),
      monitorIntervalMs: num(env, 'FACTEUR_HEALTH_POLL_MS', 60_000),
      blocklistIntervalMs: num(env, 'FACTEUR_BLOCKLIST_POLL_MS', 3_600_000),
      monitor: env.FACTEUR_HEALTH_MONITOR !== 'off',
    },
    operate: {
      refreshMs: num(env, 'FACTEUR_DASHBOARD_REFRESH_MS', 30_000),
      metricsPoints: num(env, 'FACTEUR_METRICS_POINTS', 150),
    },
    stack: {
      healthTimeoutMs: num(env, 'FACTEUR_STACK_HEALTH_TIMEOUT_MS', 60_000),
      stepTimeoutMs: num(env, 'FACTEUR_STACK_STEP_TIMEOUT_MS', 60_000),
    },
    upgrade: {
      healthTimeoutMs: num(env, 'FACTEUR_UPGRADE_HEALTH_TIMEOUT_MS', 120_000),
      schedulerIntervalMs: num(env, 'FACTEUR_AUTO_UPGRADE_CHECK_MS', 300_000),
    },
    backup: {
      pollMs: num(env, 'FACTEUR_BACKUP_POLL_MS', 1000),
      runTimeoutMs: num(env, 'FACTEUR_BACKUP_RUN_TIMEOUT_MS', 60 * 60_000),
      restoreTimeoutMs: num(env, 'FACTEUR_RESTORE_TIMEOUT_MS', 60 * 60_000),
      dailyAt: env.FACTEUR_BACKUP_DAILY_AT ?? '03:30',
    },
  };
}
