/**
 * The recovery kit: a lost laptop must not mean lost access. Export seals every vault entry and the
 * server list (with confirmed host keys) into one passphrase-encrypted file and makes the printable
 * sheet that goes with it; import opens such a file on another computer and merges it into the
 * vault and server list, changing nothing at all when the passphrase or the file is wrong.
 */
import { createHash } from 'node:crypto';
import type { BackupSettings } from '../../../shared/backup';
import { FacteurError } from '../../../shared/errors';
import type {
  ExportedRecoveryKit,
  ImportedRecoveryKit,
  RecoverySheet,
  RecoverySheetServer,
} from '../../../shared/recovery-kit';
import type { ServerProfile } from '../../../shared/contract';
import { readBackupKey } from '../backup/backup-key';
import { writeFileAtomic } from '../fs/atomic-file';
import type { Argon2idCost } from '../crypto/argon2id';
import type { ServerStore } from '../servers/server-store';
import type { Vault } from '../vault/vault';
import { backupLocation } from './backup-location';
import { openKit, sealKit } from './kit-envelope';
import { makePayload, parsePayload, planMerge } from './kit-payload';
import { recoverySheetHtml } from './recovery-sheet';

export interface RecoveryKitOptions {
  /** A server's backup settings (through its control API); failures just leave the location unknown. */
  backupSettings?: (serverId: string) => Promise<BackupSettings>;
  /** How long the sheet waits for one server's backup settings. */
  lookupMs: number;
  /** The argon2id cost of new kits (tests lower it; kits carry their own). */
  kdfCost?: Argon2idCost;
  now?: () => Date;
}

export class RecoveryKitService {
  constructor(
    private readonly servers: ServerStore,
    private readonly vault: Vault,
    private readonly options: RecoveryKitOptions,
  ) {}

  async export(passphrase: string, confirmPassphrase: string): Promise<ExportedRecoveryKit> {
    if (passphrase !== confirmPassphrase)
      throw new FacteurError(
        'PASSPHRASE_MISMATCH',
        'The two passphrases differ: type the same one twice. Nothing was exported.',
      );
    const now = this.options.now?.() ?? new Date();
    const [servers, entries] = await Promise.all([this.servers.list(), this.vault.list()]);
    const content = await sealKit(makePayload(servers, entries, now), passphrase, {
      now,
      cost: this.options.kdfCost,
    });
    const fileName = `facteur-recovery-kit-${now.toISOString().slice(0, 10)}.facteurkit`;
    const sheet: RecoverySheet = {
      createdAt: now.toISOString(),
      fileName,
      kitSha256: createHash('sha256').update(content).digest('hex'),
      servers: await Promise.all(servers.map((s) => this.sheetServer(s))),
    };
    return {
      fileName,
      mimeType: 'application/json',
      content,
      sheet,
      sheetHtml: recoverySheetHtml(sheet),
    };
  }

  /** Export straight to a file, owner-only (0600): the command line and tests. */
  async exportToFile(path: string, passphrase: string): Promise<ExportedRecoveryKit> {
    const kit = await this.export(passphrase, passphrase);
    await writeFileAtomic(path, kit.content);
    return kit;
  }

  async import(content: string, passphrase: string): Promise<ImportedRecoveryKit> {
    // Everything is checked before the first write: a wrong passphrase or a damaged file changes nothing.
    const kit = parsePayload(await openKit(content, passphrase));
    const [servers, vault] = await Promise.all([this.servers.list(), this.vault.list()]);
    const plan = planMerge({ servers, vault }, kit);
    for (const entry of plan.vaultWrites) await this.vault.put(entry);
    for (const profile of plan.serverWrites) await this.servers.put(profile);
    return { createdAt: kit.exportedAt, items: plan.items };
  }

  private async sheetServer(s: ServerProfile): Promise<RecoverySheetServer> {
    const [backupKey, location] = await Promise.all([
      readBackupKey(this.vault, s.id),
      this.lookupLocation(s),
    ]);
    return {
      name: s.name,
      address: `${s.user}@${s.host}:${s.port}`,
      hostKeyFingerprint: s.hostKeyFingerprint,
      backupKey,
      backupLocation: location,
    };
  }

  private async lookupLocation(s: ServerProfile): Promise<string | undefined> {
    const lookup = this.options.backupSettings;
    if (!lookup) return undefined;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.options.lookupMs);
    });
    try {
      const settings = await Promise.race([lookup(s.id).catch(() => undefined), timeout]);
      return settings ? backupLocation(settings, s.host) : undefined;
    } finally {
      clearTimeout(timer);
    }
  }
}
