// The server's one configuration file (JSON), with defaults for everything. Every duration lives
// here so tests can run a production policy in seconds. Secrets never live here: see secrets.json.
import { readFile } from 'node:fs/promises';
import { MAIL_DEFAULTS, type MailSettings } from './mail-settings.ts';

export const ROLES = [
  'mx',
  'submission',
  'imap',
  'pop3',
  'control',
  'jobs',
  'web',
  'outbound',
  'dav',
] as const;
export type RoleName = (typeof ROLES)[number];

/** dns, outbound, inbound: internet mail, see mail-settings.ts. */
export interface ServerConfig extends MailSettings {
  /** Host name in greetings and the self-signed certificate. */
  hostname: string;
  dataDir: string;
  /** Addresses every listener binds; '::' is one dual-stack socket (IPv6 and IPv4). */
  listen: string[];
  /** Added to every port: runs a whole stack unprivileged beside another one (development, tests). */
  portOffset: number;
  /** control: the control API, always on 127.0.0.1 whatever `listen` says (reached through SSH). */
  /** http/https: the web role (ACME challenges, MTA-STS, autoconfig/autodiscover, DAV behind it). */
  ports: {
    mx: number;
    submission: number;
    submissions: number;
    imap: number;
    imaps: number;
    pop3: number;
    pop3s: number;
    control: number;
    http: number;
    https: number;
    /** dav: CalDAV/CardDAV, always on 127.0.0.1 (the web role proxies /dav/ to it: web.davUpstream). */
    dav: number;
  };
  redis: { url: string; keyPrefix: string };
  maxMessageBytes: number;
  loginCacheTtlMs: number;
  throttle: { maxFailures: number; windowMs: number; blockMs: number };
  imap: { pollIntervalMs: number; idleTimeoutMs: number };
  /** Dev stack supervisor: delay before a crashed role is started again. */
  restartDelayMs: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Each role also appends its log lines to <dataDir>/logs/<role>.log (the control API tails them). */
  logs: { toFile: boolean; maxBytes: number; keep: number };
  /** Every role process writes a heartbeat into Redis this often; 3 missed ones mark it down. */
  heartbeatMs: number;
  control: { maxBodyBytes: number };
  /** Another role replacing the certificate (ACME) is noticed by every role within this interval. */
  tls: { watchIntervalMs: number };
  /**
   * Web role (src/web). davUpstream: loopback URL /dav/ is proxied to. 'auto' (default): this server's
   * dav role, http://127.0.0.1:<ports.dav + portOffset> (davUpstreamOf); '' = none (/dav/ answers 503).
   */
  web: { maxBodyBytes: number; davUpstream: string; davMaxBodyBytes: number; requestTimeoutMs: number };
  /** DAV role (src/dav): request bodies (an event, a contact with its photo, a REPORT) and time limits. */
  dav: { maxBodyBytes: number; requestTimeoutMs: number };
  /** MTA-STS policy (RFC 8461) served at https://mta-sts.<domain>/.well-known/mta-sts.txt; mx [] = [hostname]. */
  mtaSts: { mode: string; mx: string[]; maxAgeSeconds: number };
  /** Certificates from an ACME CA (src/acme). Runs in the jobs role (src/acme/acme-role.ts). */
  acme: {
    directoryUrl: string;
    /** PEM file of an extra CA to trust for the directory's HTTPS (pebble in tests); '' = system roots. */
    caCertFile: string;
    email: string;
    renewBeforeDays: number;
    checkIntervalMs: number;
    /** How often the jobs role looks for a certificate request (control API, CLI). */
    requestPollMs: number;
    /** After a failed attempt, wait this long before trying again on its own. */
    retryAfterFailureMs: number;
    /** Certified for each domain besides the mail host names: <prefix>.<domain>. */
    domainPrefixes: string[];
    /** More host names for the certificate (e.g. a second MX name). */
    extraNames: string[];
    /** Polling of pending orders/challenges: min and max backoff, ms. */
    pollMinMs: number;
    pollMaxMs: number;
  };
  /** The jobs role samples every intervalMs; each tier keeps buckets of stepMs for keepMs. */
  metrics: {
    intervalMs: number;
    /** Target number of points a metrics query returns (the range is bucketed to fit). */
    points: number;
    tiers: Record<'fine' | 'medium' | 'coarse', { stepMs: number; keepMs: number }>;
  };
  /** Alert emails the jobs role sends to the owner, one per state change (src/alerts). */
  alerts: {
    /** Owner addresses ([] = no emails; PUT /v1/alerts/settings overrides this list). */
    to: string[];
    /** From: address ('' = postmaster@<first domain served>, else postmaster@<hostname>). */
    from: string;
    /** How often the conditions are evaluated. */
    intervalMs: number;
    /** Disk (data directory's file system) use above this percentage is an alert. */
    diskPercent: number;
    /** A certificate expiring within fewer days than this is an alert. */
    certificateDays: number;
    /** A role is reported once it has been down or stopped this long (a restart is not an alert). */
    roleDownAfterMs: number;
    /** DNS blocklist zones the server's own addresses are looked up in ([] = no blocklist check). */
    blocklists: string[];
    /** DNS servers for those lookups ([] = dns.servers); a public resolver means "unknown". */
    blocklistResolver: string[];
    /** Addresses to look up ([] = outbound.localAddress, else the hostname's A/AAAA records). */
    blocklistAddresses: string[];
    /** Blocklists are asked at most this often (they rate-limit). */
    blocklistIntervalMs: number;
  };
  /**
   * Backups (src/backup; settings and schedule in <dataDir>/backup.json). The jobs role looks every
   * checkIntervalMs whether one is due; a backup counts as missed missedGraceMs after the schedule
   * owed one. One run at a time: a Redis lease of leaseTtlMs (renewed while it runs); a run's
   * progress stays readable keepRunsMs.
   */
  backup: { checkIntervalMs: number; missedGraceMs: number; leaseTtlMs: number; keepRunsMs: number };
}

export const DEFAULT_CONFIG: ServerConfig = {
  ...MAIL_DEFAULTS,
  hostname: 'localhost',
  dataDir: '/var/lib/facteur',
  listen: ['::'],
  portOffset: 0,
  ports: {
    mx: 25,
    submission: 587,
    submissions: 465,
    imap: 143,
    imaps: 993,
    pop3: 110,
    pop3s: 995,
    control: 8025,
    http: 80,
    https: 443,
    dav: 8026,
  },
  redis: { url: 'redis://127.0.0.1:6379', keyPrefix: 'facteur:' },
  maxMessageBytes: 50 * 1024 * 1024,
  loginCacheTtlMs: 5 * 60_000,
  throttle: { maxFailures: 10, windowMs: 15 * 60_000, blockMs: 15 * 60_000 },
  imap: { pollIntervalMs: 30_000, idleTimeoutMs: 30 * 60_000 },
  restartDelayMs: 1_000,
  logLevel: 'info',
  logs: { toFile: true, maxBytes: 5 * 1024 * 1024, keep: 2 },
  heartbeatMs: 5_000,
  control: { maxBodyBytes: 64 * 1024 },
  tls: { watchIntervalMs: 60_000 },
  web: {
    maxBodyBytes: 16 * 1024,
    davUpstream: 'auto',
    davMaxBodyBytes: 25 * 1024 * 1024,
    requestTimeoutMs: 30_000,
  },
  dav: { maxBodyBytes: 10 * 1024 * 1024, requestTimeoutMs: 60_000 },
  mtaSts: { mode: 'testing', mx: [], maxAgeSeconds: 7 * 86_400 },
  acme: {
    directoryUrl: 'https://acme-v02.api.letsencrypt.org/directory',
    caCertFile: '',
    email: '',
    renewBeforeDays: 30,
    checkIntervalMs: 12 * 3_600_000,
    requestPollMs: 5_000,
    retryAfterFailureMs: 3_600_000,
    domainPrefixes: ['mta-sts', 'autoconfig'],
    extraNames: [],
    pollMinMs: 2_000,
    pollMaxMs: 30_000,
  },
  metrics: {
    intervalMs: 10_000,
    points: 300,
    tiers: {
      fine: { stepMs: 10_000, keepMs: 24 * 3_600_000 },
      medium: { stepMs: 5 * 60_000, keepMs: 30 * 86_400_000 },
      coarse: { stepMs: 3_600_000, keepMs: 365 * 86_400_000 },
    },
  },
  alerts: {
    to: [],
    from: '',
    intervalMs: 60_000,
    diskPercent: 90,
    certificateDays: 14,
    roleDownAfterMs: 2 * 60_000,
    blocklists: ['zen.spamhaus.org', 'bl.spamcop.net'],
    blocklistResolver: [],
    blocklistAddresses: [],
    blocklistIntervalMs: 3_600_000,
  },
  backup: {
    checkIntervalMs: 60_000,
    missedGraceMs: 6 * 3_600_000,
    leaseTtlMs: 60_000,
    keepRunsMs: 7 * 86_400_000,
  },
};

export class ConfigError extends Error {}

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Deep-merges `patch` over `base`, refusing unknown keys and values of the wrong type. */
function merge<T>(base: T, patch: unknown, path: string): T {
  if (patch === undefined) return base;
  if (isPlain(base)) {
    if (!isPlain(patch)) throw new ConfigError(`${path || 'config'} must be an object`);
    const out: Plain = { ...base };
    for (const [k, v] of Object.entries(patch)) {
      if (!(k in base)) throw new ConfigError(`unknown setting ${path ? path + '.' : ''}${k}`);
      out[k] = merge((base as Plain)[k], v, path ? `${path}.${k}` : k);
    }
    return out as T;
  }
  if (Array.isArray(base)) {
    if (!Array.isArray(patch) || !patch.every((x) => typeof x === 'string'))
      throw new ConfigError(`${path} must be a list of strings`);
    return patch as T;
  }
  if (typeof patch !== typeof base) throw new ConfigError(`${path} must be a ${typeof base}`);
  if (typeof patch === 'number' && (!Number.isFinite(patch) || patch < 0))
    throw new ConfigError(`${path} must be a non-negative number`);
  return patch as T;
}

export function resolveConfig(...patches: unknown[]): ServerConfig {
  return patches.reduce<ServerConfig>((cfg, p) => merge(cfg, p, ''), DEFAULT_CONFIG);
}

export async function loadConfigFile(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`cannot read ${path}: ${(err as Error).message}`);
  }
}

export function portOf(cfg: ServerConfig, name: keyof ServerConfig['ports']): number {
  return cfg.ports[name] + cfg.portOffset;
}

/** The URL the web role proxies /dav/ to ('' = none): see `web.davUpstream`. */
export function davUpstreamOf(cfg: ServerConfig): string {
  return cfg.web.davUpstream === 'auto' ? `http://127.0.0.1:${portOf(cfg, 'dav')}` : cfg.web.davUpstream;
}
