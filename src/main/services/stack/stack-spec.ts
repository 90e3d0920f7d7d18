/**
 * The Facteur server stack, described once as pure data. Everything else is derived from it:
 * the container create options the deployer sends through dockerode (container-options.ts) and
 * the docker-compose.yml an owner can run without Facteur (compose.ts).
 *
 * One image, one container per service, host networking (the SMTP server must see the client's
 * real address for SPF and rate limits), every container as the image's unprivileged user with
 * all capabilities dropped, a read-only root file system (tmpfs /tmp), rotated json-file logs,
 * a healthcheck that speaks the role's protocol, and Docker restarting it. All state lives under
 * one host directory, mounted at the same path: the config file and secrets file (mode 600) and
 * what the roles keep there.
 *
 * Which roles share a process, and why. A Node process costs ~38-60 MB of memory that cannot be
 * shared with another process (V8 heap, compiled code, malloc), while the whole stack must idle
 * under 200 MB. Measured on the test bed (tests/bench/stack.bench.ts, PSS after 60 s idle): one
 * process per role (eight) plus Redis, 346 MiB; the groups below, 175 MiB. So roles are grouped by
 * whom they face and what they may hold:
 *   - edge: mx, web, outbound   the internet-facing side: unauthenticated SMTP in, HTTP(S) for
 *                              ACME challenges / MTA-STS / autoconfig, SMTP out. None of them ever
 *                              holds a mailbox key (mail arrives sealed to the mailbox's public
 *                              key; the outbound queue has its own server key), so whatever
 *                              happens there, no mailbox can be opened with what the process has.
 *   - mail: submission, imap, pop3, dav   the authenticated client protocols (dav: CalDAV and
 *                              CardDAV on 127.0.0.1, reached through the web role's /dav/ proxy on
 *                              443). All four unlock mailboxes with the user's password; one process
 *                              shares the login cache (one argon2id per login, not one per protocol)
 *                              and the registry of open mailboxes. Isolating them from each other
 *                              would protect nothing the others do not hold already; isolating them
 *                              from the edge does.
 *   - admin: control, jobs     loopback-only administration (token-protected API) and the
 *                              background work (metrics, ACME renewals); neither faces the internet.
 *   - redis                    its own process (redis-server from Debian), 127.0.0.1, password.
 * A crash takes down only its own group, and Docker restarts it within a second. `layout: 'per-role'`
 * runs one process per role for owners with memory to spare.
 */

/** The image's user (server-bundle/Dockerfile, FACTEUR_UID): owner of the data directory. */
export const FACTEUR_UID = 10025;
export const DEFAULT_DATA_DIR = '/var/lib/facteur';
/**
 * On-server backups (restic repositories), outside the data directory so a restore never replaces
 * them; mounted at the same path into the admin container (scheduled backups) and one-shot containers.
 */
export const DEFAULT_BACKUP_DIR = '/var/lib/facteur-backups';
export const CONFIG_FILE = 'facteur.json';
export const SECRETS_FILE = 'secrets.json';
/** Every container of the stack carries this label (value: the stack name). */
export const STACK_LABEL = 'org.facteur.stack';
export const SERVICE_LABEL = 'org.facteur.service';
/** Hash of the container's create options: an unchanged service is kept as it is on redeploy. */
export const SPEC_HASH_LABEL = 'org.facteur.spec-hash';

/** The server's roles (server-bundle/src/run/server-config.ts, ROLES) plus Redis. */
export type RoleName =
  'mx' | 'web' | 'outbound' | 'submission' | 'imap' | 'pop3' | 'dav' | 'control' | 'jobs' | 'redis';

export interface PortSpec {
  port: number;
  /** What listens there, for people reading the compose file. */
  what: string;
  /** false: 127.0.0.1 only (never reachable from outside the server). */
  public: boolean;
}

export interface HealthSpec {
  /** Run inside the container (exec form). */
  command: string[];
  intervalS: number;
  timeoutS: number;
  retries: number;
  startPeriodS: number;
  /** Probe interval during the start period (Docker Engine 25+, API 1.44; older engines ignore it). */
  startIntervalS: number;
}

export interface ServiceSpec {
  /** The container is named `${stack}-${name}`. */
  name: string;
  /** The roles this container's one process runs (see the header for why some share one). */
  roles: RoleName[];
  /** Arguments to the image's entrypoint (facteur-server). */
  command: string[];
  ports: PortSpec[];
  /** Listens below 1024: keeps NET_BIND_SERVICE (the only capability any container has). */
  bindsPrivilegedPorts: boolean;
  /** Mounts the backup directory too (the roles that run backups: control, jobs). */
  mountsBackups?: boolean;
  /** The data directory read-only, except these subdirectories (relative), mounted read-write. */
  dataReadOnly?: { writable: string[] };
  health: HealthSpec;
  /** Seconds Docker waits after SIGTERM (open sessions say goodbye) before SIGKILL. */
  stopTimeoutS: number;
  /** Docker's process limit for the container (fork bombs, runaway threads). */
  pidsLimit: number;
}

export interface StackSpec {
  /** Container name prefix and value of the stack label. */
  stack: string;
  /** Image reference (e.g. facteur-server:0.1.0) the containers run. */
  image: string;
  dataDir: string;
  /** On-server backups (mode 700, the image's user). */
  backupDir: string;
  uid: number;
  /** Services in start order: Redis first, each one healthy before the deployer moves on. */
  services: ServiceSpec[];
  /** json-file logs rotated per container. */
  logs: { maxSize: string; maxFile: number };
  /** tmpfs mounted at /tmp (the root file system is read-only). */
  tmpfs: { path: string; options: string };
  restart: 'unless-stopped' | 'always';
  /** The one-shot command that prepares the data directory before any role starts. */
  init: { command: string[] };
}

interface RoleDef {
  ports: PortSpec[];
  stopTimeoutS: number;
}

/** What each role listens on (documentation and capabilities; the config file holds the ports). */
export const ROLE_DEFS: Readonly<Record<RoleName, RoleDef>> = {
  redis: {
    ports: [{ port: 6379, what: 'Redis (password from the secrets file)', public: false }],
    stopTimeoutS: 10,
  },
  mx: { ports: [{ port: 25, what: 'SMTP (MX, STARTTLS)', public: true }], stopTimeoutS: 30 },
  web: {
    ports: [
      { port: 80, what: 'HTTP (ACME challenges, redirects)', public: true },
      { port: 443, what: 'HTTPS (MTA-STS, autoconfig, autodiscover)', public: true },
    ],
    stopTimeoutS: 15,
  },
  outbound: { ports: [], stopTimeoutS: 30 },
  submission: {
    ports: [
      { port: 465, what: 'SMTP submission (implicit TLS)', public: true },
      { port: 587, what: 'SMTP submission (STARTTLS)', public: true },
    ],
    stopTimeoutS: 30,
  },
  imap: {
    ports: [
      { port: 993, what: 'IMAP (implicit TLS)', public: true },
      { port: 143, what: 'IMAP (STARTTLS)', public: true },
    ],
    stopTimeoutS: 30,
  },
  pop3: {
    ports: [
      { port: 995, what: 'POP3 (implicit TLS)', public: true },
      { port: 110, what: 'POP3 (STLS)', public: true },
    ],
    stopTimeoutS: 30,
  },
  dav: {
    ports: [
      { port: 8026, what: "CalDAV and CardDAV (reached through the web role's /dav/ on 443)", public: false },
    ],
    stopTimeoutS: 30,
  },
  control: {
    ports: [{ port: 8025, what: 'control API (bearer token; reached through SSH)', public: false }],
    stopTimeoutS: 15,
  },
  jobs: { ports: [], stopTimeoutS: 15 },
};

/** The process groups (see the header): one container each, in start order. */
export const GROUPS: ReadonlyArray<{ name: string; roles: RoleName[] }> = [
  { name: 'redis', roles: ['redis'] },
  { name: 'edge', roles: ['mx', 'web', 'outbound'] },
  { name: 'mail', roles: ['submission', 'imap', 'pop3', 'dav'] },
  { name: 'admin', roles: ['control', 'jobs'] },
];

/**
 * grouped: the layout above (default). per-role: one container and one process per role — more
 * isolation for a server with memory to spare (and the comparison the stack bench measures).
 */
export type StackLayout = 'grouped' | 'per-role';

function serviceFor(name: string, roles: RoleName[]): ServiceSpec {
  const ports = roles.flatMap((r) => ROLE_DEFS[r].ports);
  const redis = roles.length === 1 && roles[0] === 'redis';
  return {
    name,
    roles,
    command: redis ? ['redis'] : ['role', ...roles],
    ports,
    bindsPrivilegedPorts: ports.some((p) => p.port < 1024),
    // Redis needs nothing of the data directory but its own subdirectory (and to read the config).
    ...(redis ? { dataReadOnly: { writable: ['redis'] } } : {}),
    ...(roles.some((r) => r === 'control' || r === 'jobs') ? { mountsBackups: true } : {}),
    health: {
      command: ['facteur-server', 'health', ...roles],
      intervalS: 30,
      timeoutS: 10,
      retries: 3,
      startPeriodS: 60,
      startIntervalS: 1,
    },
    stopTimeoutS: Math.max(...roles.map((r) => ROLE_DEFS[r].stopTimeoutS)),
    pidsLimit: redis ? 64 : 256,
  };
}

export function servicesOf(layout: StackLayout = 'grouped'): ServiceSpec[] {
  const groups =
    layout === 'grouped' ? GROUPS : GROUPS.flatMap((g) => g.roles.map((r) => ({ name: r, roles: [r] })));
  return groups.map((g) => serviceFor(g.name, [...g.roles]));
}

export interface StackOptions {
  image: string;
  stack?: string;
  dataDir?: string;
  backupDir?: string;
  uid?: number;
  layout?: StackLayout;
}

export function stackSpec(opts: StackOptions): StackSpec {
  return {
    stack: opts.stack ?? 'facteur',
    image: opts.image,
    dataDir: opts.dataDir ?? DEFAULT_DATA_DIR,
    backupDir: opts.backupDir ?? DEFAULT_BACKUP_DIR,
    uid: opts.uid ?? FACTEUR_UID,
    services: servicesOf(opts.layout),
    logs: { maxSize: '10m', maxFile: 3 },
    tmpfs: { path: '/tmp', options: 'rw,noexec,nosuid,nodev,size=16m,mode=1777' },
    restart: 'unless-stopped',
    init: { command: ['init'] },
  };
}

export const containerName = (spec: StackSpec, service: Pick<ServiceSpec, 'name'>): string =>
  `${spec.stack}-${service.name}`;

/** The service a role runs in. */
export function serviceOf(spec: StackSpec, role: RoleName): ServiceSpec {
  const s = spec.services.find((x) => x.roles.includes(role));
  if (!s) throw new Error(`no service runs the role ${role}`);
  return s;
}
