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
 * Which roles share a process, and why. A Node process costs ~40-50 MB of memory that cannot be
 * shared with another process (V8 heap, compiled code, malloc), while the whole stack must idle
 * under 200 MB (measured: six role processes plus Redis came to ~280 MB). So roles are grouped
 * by who they serve and what they may hold:
 *   - mx                       alone: the unauthenticated internet-facing SMTP server. It never
 *                              holds a mailbox key (mail is sealed to the mailbox's public key),
 *                              and a flood or a crash there must not touch users' sessions.
 *   - submission, imap, pop3   together ("mail"): the authenticated client protocols. All three
 *                              unlock mailboxes with the user's password; one process shares the
 *                              login cache (one argon2id per login, not one per protocol) and the
 *                              registry of open mailboxes. Isolating them from each other would
 *                              protect nothing the others do not already hold.
 *   - control, jobs            together ("admin"): loopback-only administration (token-protected
 *                              API) and the background sampler/timers; neither faces the internet.
 *   - redis                    its own process (redis-server from Debian), 127.0.0.1, password.
 * Roles still to come (web on 80/443, outbound delivery, DAV) each get an entry here: web and
 * outbound face the internet and hold no mailbox key, so they would join mx's side of the line.
 */

/** The image's user (server-bundle/Dockerfile, FACTEUR_UID): owner of the data directory. */
export const FACTEUR_UID = 10025;
export const DEFAULT_DATA_DIR = '/var/lib/facteur';
export const CONFIG_FILE = 'facteur.json';
export const SECRETS_FILE = 'secrets.json';
/** Every container of the stack carries this label (value: the stack name). */
export const STACK_LABEL = 'org.facteur.stack';
export const SERVICE_LABEL = 'org.facteur.service';
/** Hash of the container's create options: an unchanged service is kept as it is on redeploy. */
export const SPEC_HASH_LABEL = 'org.facteur.spec-hash';

export type RoleName = 'mx' | 'submission' | 'imap' | 'pop3' | 'control' | 'jobs' | 'redis';

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

const health = (roles: string[], over: Partial<HealthSpec> = {}): HealthSpec => ({
  command: ['facteur-server', 'health', ...roles],
  intervalS: 30,
  timeoutS: 10,
  retries: 3,
  startPeriodS: 60,
  startIntervalS: 1,
  ...over,
});

export const SERVICES: readonly ServiceSpec[] = [
  {
    name: 'redis',
    roles: ['redis'],
    command: ['redis'],
    ports: [{ port: 6379, what: 'Redis (password from the secrets file)', public: false }],
    bindsPrivilegedPorts: false,
    dataReadOnly: { writable: ['redis'] },
    health: health(['redis']),
    stopTimeoutS: 10,
    pidsLimit: 64,
  },
  {
    name: 'mx',
    roles: ['mx'],
    command: ['role', 'mx'],
    ports: [{ port: 25, what: 'SMTP (MX, STARTTLS)', public: true }],
    bindsPrivilegedPorts: true,
    health: health(['mx']),
    stopTimeoutS: 30,
    pidsLimit: 256,
  },
  {
    name: 'mail',
    roles: ['submission', 'imap', 'pop3'],
    command: ['role', 'submission', 'imap', 'pop3'],
    ports: [
      { port: 465, what: 'SMTP submission (implicit TLS)', public: true },
      { port: 587, what: 'SMTP submission (STARTTLS)', public: true },
      { port: 993, what: 'IMAP (implicit TLS)', public: true },
      { port: 143, what: 'IMAP (STARTTLS)', public: true },
      { port: 995, what: 'POP3 (implicit TLS)', public: true },
      { port: 110, what: 'POP3 (STLS)', public: true },
    ],
    bindsPrivilegedPorts: true,
    health: health(['submission', 'imap', 'pop3']),
    stopTimeoutS: 30,
    pidsLimit: 256,
  },
  {
    name: 'admin',
    roles: ['control', 'jobs'],
    command: ['role', 'control', 'jobs'],
    ports: [{ port: 8025, what: 'control API (bearer token; reached through SSH)', public: false }],
    bindsPrivilegedPorts: false,
    health: health(['control', 'jobs']),
    stopTimeoutS: 15,
    pidsLimit: 128,
  },
];

export interface StackOptions {
  image: string;
  stack?: string;
  dataDir?: string;
  uid?: number;
}

export function stackSpec(opts: StackOptions): StackSpec {
  return {
    stack: opts.stack ?? 'facteur',
    image: opts.image,
    dataDir: opts.dataDir ?? DEFAULT_DATA_DIR,
    uid: opts.uid ?? FACTEUR_UID,
    services: SERVICES.map((s) => ({ ...s })),
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
