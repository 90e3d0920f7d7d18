import { z } from 'zod';
import { operationId } from './deploy';

/**
 * Schemas of backups and restores: where a server's backups go and when, the snapshots with their
 * contents, running one with progress, restoring the whole server or one mailbox (onto the same
 * server or a new one), checking a restore by counts per mailbox, and the copy on this laptop.
 * Long operations take an `operationId` chosen by the caller; their `progress` events carry it.
 * The backup key itself never crosses to the window: main generates it and keeps it in the vault.
 */

const serverId = z.string().min(1).max(64);
const snapshotId = z.string().regex(/^[0-9a-f]{8,64}$/, 'Use a backup id as listed');
const address = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .regex(/^[a-z0-9._+-]+@[a-z0-9.-]+\.[a-z]{2,63}$/, 'Use an address such as alice@example.org');
const host = z
  .string()
  .trim()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9.:[\]-]+$/, 'Use a host name or an IP address');
const remotePath = z
  .string()
  .trim()
  .min(1)
  .max(1024)
  .regex(/^\//, 'Use an absolute path such as /srv/backups');

/** Where backups are written. Secrets (SFTP key, S3 secret) go to the server; reads never return them. */
export const backupTarget = z.discriminatedUnion('kind', [
  /** On this server, in /var/lib/facteur-backups (outside the data directory). */
  z.object({ kind: z.literal('local') }).strict(),
  z
    .object({
      kind: z.literal('sftp'),
      host,
      port: z.number().int().min(1).max(65535).default(22),
      user: z.string().trim().min(1).max(64),
      path: remotePath,
      /** An OpenSSH private key the server uses to log in there; omitted on update keeps the saved one. */
      privateKey: z.string().max(16384).optional(),
      /** The host's known_hosts line(s); omitted on update keeps the saved ones. */
      knownHosts: z.string().max(16384).optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('s3'),
      /** e.g. https://s3.eu-west-1.amazonaws.com or http://10.0.0.5:4569 */
      endpoint: z.string().trim().url().max(2048),
      bucket: z.string().trim().min(3).max(63),
      prefix: z.string().trim().max(512).default(''),
      region: z.string().trim().max(64).default('us-east-1'),
      accessKeyId: z.string().trim().min(1).max(256),
      /** Omitted on update keeps the saved secret. */
      secretAccessKey: z.string().min(1).max(512).optional(),
      /** PEM of the CA that signed a self-hosted storage's certificate (not needed for public ones). */
      caCert: z.string().max(65536).optional(),
    })
    .strict(),
]);

export const backupSchedule = z.union([
  z.object({ dailyAt: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'Use a time such as 03:30') }).strict(),
  z.object({ everyMs: z.number().int().min(60_000) }).strict(),
]);

export const backupRetention = z
  .object({
    /** The newest N whatever their day (two "Back up now" on one day both stay). */
    last: z.number().int().min(1).max(100).default(3),
    daily: z.number().int().min(1).max(366).default(7),
    weekly: z.number().int().min(0).max(520).default(4),
    monthly: z.number().int().min(0).max(240).default(6),
  })
  .strict();

export const backupSettings = z.object({
  serverId: z.string(),
  /** The server makes backups on its schedule. */
  enabled: z.boolean(),
  /** Backups were set up on the server (those made stay listed and restorable while turned off). */
  configured: z.boolean(),
  /** The target as saved, without its secrets (`hasSecret` says whether one is held). */
  target: z.union([
    z.object({ kind: z.literal('local'), path: z.string() }),
    z.object({
      kind: z.literal('sftp'),
      host: z.string(),
      port: z.number(),
      user: z.string(),
      path: z.string(),
    }),
    z.object({
      kind: z.literal('s3'),
      endpoint: z.string(),
      bucket: z.string(),
      prefix: z.string(),
      region: z.string(),
      accessKeyId: z.string(),
    }),
  ]),
  schedule: backupSchedule,
  retention: z.object({ last: z.number(), daily: z.number(), weekly: z.number(), monthly: z.number() }),
  /** Keep a copy of the repository on this laptop, refreshed after each backup run from Facteur. */
  keepLaptopCopy: z.boolean(),
  /** Whether this laptop holds the backup key for that server (in the vault). */
  hasKey: z.boolean(),
  lastBackupAt: z.string().optional(),
  nextBackupAt: z.string().optional(),
});

export const setBackupSettingsRequest = z
  .object({
    serverId,
    /** false turns the schedule off; the backups made stay. */
    enabled: z.boolean().default(true),
    target: backupTarget,
    schedule: backupSchedule.default({ dailyAt: '03:30' }),
    retention: backupRetention.default({ last: 3, daily: 7, weekly: 4, monthly: 6 }),
    keepLaptopCopy: z.boolean().default(false),
  })
  .strict();

export const backupSnapshot = z.object({
  id: z.string(),
  /** When the snapshot was taken (ISO 8601). */
  time: z.string(),
  /** Total size of the files in it, in bytes. */
  size: z.number(),
  /** Bytes this snapshot added to the repository (what an incremental backup cost). */
  added: z.number().optional(),
  mailboxes: z.number(),
  domains: z.number(),
  /** Whether `restic check` passed after it was written. */
  verified: z.boolean(),
});

export const backupList = z.object({
  serverId: z.string(),
  snapshots: z.array(backupSnapshot),
  /** The last run's outcome on the server. */
  status: z.object({
    state: z.enum(['never', 'ok', 'failed', 'running']),
    lastRunAt: z.string().optional(),
    lastSuccessAt: z.string().optional(),
    error: z.string().optional(),
  }),
  /** The copy on this laptop, if one was downloaded. */
  laptopCopy: z.object({ bytes: z.number(), files: z.number(), updatedAt: z.string() }).optional(),
});

export const backupContentsRequest = z.object({ serverId, snapshotId }).strict();
export const backupContents = z.object({
  snapshotId: z.string(),
  time: z.string(),
  mailboxes: z.array(z.object({ address: z.string(), size: z.number() })),
  domains: z.array(z.string()),
  /** What else is inside, in plain words (e.g. "configuration database", "DKIM keys", "certificates"). */
  other: z.array(z.object({ name: z.string(), size: z.number() })),
});

export const runBackupRequest = z.object({ serverId, operationId }).strict();
export const runBackupResult = z.object({
  snapshotId: z.string(),
  size: z.number(),
  added: z.number(),
  verified: z.boolean(),
  seconds: z.number(),
});

export const restoreServerRequest = z
  .object({
    serverId,
    operationId,
    snapshotId,
    /** Restore from the backup target (default) or from the copy on this laptop. */
    from: z.enum(['target', 'laptop']).default('target'),
  })
  .strict();
export const restoreMailboxRequest = z
  .object({ serverId, operationId, snapshotId, mailbox: address })
  .strict();
export const restoreResult = z.object({
  snapshotId: z.string(),
  /** Where on the server what the restore replaced was kept aside. */
  keptAside: z.string().optional(),
  seconds: z.number(),
});

export const verifyRestoreRequest = z.object({ serverId }).strict();
export const restoreVerification = z.object({
  mailboxes: z.array(
    z.object({
      address: z.string(),
      messages: z.number(),
      events: z.number(),
      contacts: z.number(),
      /** The mailbox database's own integrity check ("ok" when sound). */
      integrity: z.string(),
    }),
  ),
});

export const downloadBackupsRequest = z.object({ serverId, operationId }).strict();
export const downloadBackupsResult = z.object({
  path: z.string(),
  filesDownloaded: z.number(),
  bytesDownloaded: z.number(),
  filesRemoved: z.number(),
  files: z.number(),
  bytes: z.number(),
});

export const restoreOntoNewServerRequest = z
  .object({
    fromServerId: serverId,
    toServerId: serverId,
    operationId,
    snapshotId,
    from: z.enum(['target', 'laptop']).default('target'),
  })
  .strict();
/** A DNS record whose value must change after moving to the new server. */
export const dnsChange = z.object({
  type: z.enum(['A', 'AAAA', 'PTR']),
  name: z.string(),
  from: z.string(),
  to: z.string(),
});
export const restoreOntoNewServerResult = restoreResult.extend({ dnsChanges: z.array(dnsChange) });

export type BackupTarget = z.output<typeof backupTarget>;
export type BackupSettings = z.output<typeof backupSettings>;
export type SetBackupSettingsRequest = z.output<typeof setBackupSettingsRequest>;
export type BackupSnapshot = z.output<typeof backupSnapshot>;
export type BackupList = z.output<typeof backupList>;
export type BackupContents = z.output<typeof backupContents>;
export type RunBackupResult = z.output<typeof runBackupResult>;
export type RestoreServerRequest = z.output<typeof restoreServerRequest>;
export type RestoreMailboxRequest = z.output<typeof restoreMailboxRequest>;
export type RestoreOntoNewServerRequest = z.output<typeof restoreOntoNewServerRequest>;
export type RestoreResult = z.output<typeof restoreResult>;
export type RestoreVerification = z.output<typeof restoreVerification>;
export type DownloadBackupsResult = z.output<typeof downloadBackupsResult>;
export type DnsChange = z.output<typeof dnsChange>;
export type RestoreOntoNewServerResult = z.output<typeof restoreOntoNewServerResult>;
