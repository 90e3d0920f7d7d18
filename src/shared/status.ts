import { z } from 'zod';

/**
 * Schemas of the status checks of a deployed server (the weekly "is everything fine?" page) and of
 * the desktop alerts the health monitor raises while the app runs.
 */

export const statusCheckIds = [
  'portsIpv4',
  'portsIpv6',
  'roles',
  'dns',
  'ptr',
  'certificate',
  'blocklists',
  'disk',
  'memory',
  'backups',
  'updates',
  'firewall',
  'sshPasswordLogin',
  'docker',
  'containers',
] as const;
export type StatusCheckId = (typeof statusCheckIds)[number];

export const statusCheck = z.object({
  id: z.enum(statusCheckIds),
  status: z.enum(['ok', 'warn', 'fail', 'unknown']),
  /** What was found, short ("9 of 9 open", "37 %", "61 days"). */
  value: z.string(),
  /** A plain English sentence; the renderer translates it from `id`, `reason` and `params`. */
  message: z.string(),
  /** What to do, when the status is not ok. */
  fix: z.string().optional(),
  /** Which sentence applies (e.g. "closed", "noIpv6", "publicResolver"). */
  reason: z.string(),
  params: z.record(z.string(), z.union([z.string(), z.number()])),
});

export const statusReport = z.object({
  serverId: z.string(),
  ranAt: z.string(),
  checks: z.array(statusCheck),
});

export const runStatusChecksRequest = z.object({ serverId: z.string().min(1).max(64) }).strict();

export const alertKinds = [
  'roleDown',
  'roleRecovered',
  'diskFull',
  'diskRecovered',
  'certificateExpiring',
  'certificateRenewed',
  'blocklisted',
  'delisted',
] as const;
export type AlertKind = (typeof alertKinds)[number];

export const alert = z.object({
  id: z.string(),
  serverId: z.string(),
  serverName: z.string(),
  kind: z.enum(alertKinds),
  /** "problem" for a new trouble, "recovered" when it went away. */
  severity: z.enum(['problem', 'recovered']),
  /** English title and body (the notification); the renderer translates from `kind` and `params`. */
  title: z.string(),
  body: z.string(),
  params: z.record(z.string(), z.union([z.string(), z.number()])),
  at: z.string(),
});

export const alertList = z.array(alert);

export type StatusCheck = z.output<typeof statusCheck>;
export type StatusReport = z.output<typeof statusReport>;
export type Alert = z.output<typeof alert>;

/** Where the server itself emails its alerts (so they arrive while this computer is off). */
export const alertEmails = z.object({ to: z.array(z.string()) });
export const setAlertEmailsRequest = z
  .object({
    serverId: z.string().min(1).max(64),
    to: z
      .array(
        z
          .string()
          .trim()
          .toLowerCase()
          .regex(/^[^\s@]+@[^\s@]+\.[a-z]{2,63}$/, 'Use an address such as you@example.org'),
      )
      .max(10),
  })
  .strict();
