import { z } from 'zod';
import { operationId } from './deploy';

/**
 * Schemas of the upgrade contract methods: the running and bundled versions with what changes
 * between them, the upgrade itself (progress events carry its operation id), the server's
 * automatic OS security updates, and the upgrade settings (registry, scheduled auto-upgrade).
 */

const serverId = z.string().min(1).max(64);

/** The steps an upgrade reports, in order (progress events use these as `step`). */
export const upgradeSteps = [
  'backup',
  'image',
  'config-copy',
  'init',
  'replace',
  'rollback',
  'done',
] as const;
export type UpgradeStep = (typeof upgradeSteps)[number];

export const changelogEntry = z.object({
  version: z.string(),
  date: z.string().optional(),
  changes: z.array(z.string()),
});

export const upgradeVersions = z.object({
  serverId: z.string(),
  deployed: z.boolean(),
  /** What the server runs (its containers' image label), null when nothing is deployed. */
  running: z.string().nullable(),
  /** What this copy of Facteur would install (the bundled image, or the configured registry's). */
  available: z.string(),
  source: z.enum(['bundled', 'registry']),
  upgradeAvailable: z.boolean(),
  /** Changelog sections newer than the running version, up to the available one, newest first. */
  changes: z.array(changelogEntry),
});

export const upgradeRequest = z.object({ serverId, operationId }).strict();

export const upgradeResult = z.object({
  outcome: z.enum(['upgraded', 'rolled-back', 'up-to-date']),
  from: z.string(),
  to: z.string(),
  /** Why the upgrade was rolled back (plain words), or a note such as a skipped backup. */
  message: z.string().optional(),
  backup: z.enum(['done', 'skipped']),
  /** Each role container in the order it was replaced, with the seconds until it was healthy. */
  replaced: z.array(z.object({ service: z.string(), seconds: z.number() })),
  seconds: z.number(),
});

export const unattendedUpgradesState = z.object({
  installed: z.boolean(),
  enabled: z.boolean(),
});
export const setUnattendedUpgradesRequest = z.object({ serverId, enabled: z.boolean() }).strict();

const windowTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'Use a time such as 03:30');
/** An image reference such as registry.example.org/facteur-server:0.2.0. */
const imageRef = z
  .string()
  .trim()
  .max(255)
  .regex(
    /^[a-z0-9][a-z0-9._:/@-]*$/i,
    'Use an image reference such as registry.example.org/facteur-server:1.0',
  );

export const upgradeSettings = z.object({
  /** Pull this image instead of sending the bundled one ('' = the bundled image). */
  registry: imageRef.or(z.literal('')),
  autoUpgrade: z.object({ enabled: z.boolean(), window: windowTime }),
});
export const setUpgradeSettingsRequest = z.object({ serverId, settings: upgradeSettings }).strict();

export type ChangelogEntry = z.output<typeof changelogEntry>;
export type UpgradeVersions = z.output<typeof upgradeVersions>;
export type UpgradeResult = z.output<typeof upgradeResult>;
export type UpgradeSettings = z.output<typeof upgradeSettings>;
export type UnattendedUpgradesState = z.output<typeof unattendedUpgradesState>;
