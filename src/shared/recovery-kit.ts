import { z } from 'zod';

/**
 * Schemas of the recovery kit: the vault and server list exported into one passphrase-encrypted
 * file plus a printable sheet, and imported on another computer. The kit's text crosses to the
 * window only encrypted; the sheet holds the backup keys (paper alone must be enough to read the
 * backups) but never the passphrase.
 */

/** Generous: a kit holds a few keys per server. */
const MAX_KIT_CHARS = 5_000_000;

export const exportRecoveryKitRequest = z
  .object({
    passphrase: z.string().min(1).max(1024),
    /** Typed a second time: the export is refused when they differ. */
    confirmPassphrase: z.string().min(1).max(1024),
  })
  .strict();

export const recoverySheetServer = z.object({
  name: z.string(),
  /** user@host:port */
  address: z.string(),
  hostKeyFingerprint: z.string(),
  /** The restic repository password, when backups are set up from this computer. */
  backupKey: z.string().optional(),
  /** Where the backups are, as a restic repository location, or undefined when not known. */
  backupLocation: z.string().optional(),
});

export const recoverySheet = z.object({
  createdAt: z.string(),
  fileName: z.string(),
  /** SHA-256 of the kit file, hex: shows the copy at hand is the one this sheet goes with. */
  kitSha256: z.string(),
  servers: z.array(recoverySheetServer),
});

export const exportedRecoveryKit = z.object({
  fileName: z.string(),
  mimeType: z.string(),
  /** The kit file's text (encrypted). */
  content: z.string(),
  sheet: recoverySheet,
  /** The sheet as a standalone HTML page, to print or keep. */
  sheetHtml: z.string(),
});

export const importRecoveryKitRequest = z
  .object({
    content: z.string().min(1).max(MAX_KIT_CHARS),
    passphrase: z.string().min(1).max(1024),
  })
  .strict();

export const importedItem = z.object({
  kind: z.enum([
    'server',
    'ssh-key',
    'control-access',
    'recovery-key',
    'backup-key',
    'backup-settings',
    'dns-secret',
    'setting',
  ]),
  /** The server's name (or the domain, for DNS secrets). */
  subject: z.string(),
  /** added: was missing here; updated: the kit's was newer; kept: this computer's was newer; unchanged: same. */
  outcome: z.enum(['added', 'updated', 'kept', 'unchanged']),
});

export const importedRecoveryKit = z.object({
  createdAt: z.string(),
  items: z.array(importedItem),
});

export type RecoverySheet = z.output<typeof recoverySheet>;
export type RecoverySheetServer = z.output<typeof recoverySheetServer>;
export type ExportedRecoveryKit = z.output<typeof exportedRecoveryKit>;
export type ImportedItem = z.output<typeof importedItem>;
export type ImportedRecoveryKit = z.output<typeof importedRecoveryKit>;
