import { z } from 'zod';
import { DNS_NAME_RE } from './dns';

/**
 * Schemas of the deploy journey's contract methods: server access (sudo), installing Docker,
 * deploying the stack, its state, and the docker-compose export. Long operations take an
 * `operationId` chosen by the caller; their `progress` events carry it.
 */

const serverId = z.string().min(1).max(64);
export const operationId = z.string().regex(/^[A-Za-z0-9_-]{6,64}$/, 'Use 6-64 letters, digits, - or _');
const dnsName = z
  .string()
  .trim()
  .toLowerCase()
  .transform((s) => s.replace(/\.$/, ''))
  .pipe(z.string().regex(DNS_NAME_RE, 'Use a domain name such as example.org'));

/** How Facteur runs privileged commands on a server. */
export const serverAccess = z.object({
  user: z.string(),
  /** root: no sudo needed; passwordless: sudo -n works; password-needed: ask once (kept in memory); */
  /** password-known: asked already this run; unavailable: the user cannot use sudo at all. */
  privileges: z.enum(['root', 'passwordless', 'password-needed', 'password-known', 'unavailable']),
});

export const sudoPasswordRequest = z.object({ serverId, password: z.string().min(1).max(1024) }).strict();

export const installDockerRequest = z.object({ serverId, operationId }).strict();
export const installDockerResult = z.object({
  /** Docker's version after the install (or the one found). */
  version: z.string(),
  installed: z.boolean(),
  seconds: z.number(),
});

export { deploySteps, type DeployStep } from './deploy-steps';

export const deployRequest = z
  .object({
    serverId,
    operationId,
    /** The mail server's own name (MX target, certificate), e.g. mail.example.org. */
    hostname: dnsName,
    /** The first mail domain, e.g. example.org. */
    domain: dnsName,
  })
  .strict();

export const deployResult = z.object({
  serverId: z.string(),
  version: z.string(),
  imageId: z.string(),
  /** Bytes of image data sent over SSH (0 when the server had the image). */
  imageBytesSent: z.number(),
  /** Bytes the server already had: layers it held, or what an interrupted upload left. */
  imageBytesReused: z.number(),
  services: z.array(z.object({ name: z.string(), action: z.enum(['kept', 'created', 'replaced']) })),
  firewall: z.object({ tool: z.enum(['ufw', 'none']), openedPorts: z.array(z.number()) }),
  seconds: z.number(),
});

export const deploymentInfo = z.object({
  serverId: z.string(),
  deployed: z.boolean(),
  version: z.string().optional(),
  hostname: z.string().optional(),
  domain: z.string().optional(),
  deployedAt: z.string().optional(),
  /** The version this copy of Facteur carries (an upgrade is offered when it differs). */
  bundledVersion: z.string(),
  services: z.array(
    z.object({
      name: z.string(),
      roles: z.array(z.string()),
      state: z.enum(['running', 'stopped', 'missing']),
      health: z.enum(['healthy', 'unhealthy', 'starting', 'none']),
    }),
  ),
});

export const composeExport = z.object({ fileName: z.string(), content: z.string() });

export type ServerAccess = z.output<typeof serverAccess>;
export type DeployRequest = z.output<typeof deployRequest>;
export type DeployResult = z.output<typeof deployResult>;
export type DeploymentInfo = z.output<typeof deploymentInfo>;
export type InstallDockerResult = z.output<typeof installDockerResult>;
