// A logged-in mailbox: holds K for the session's lifetime, opens the encrypted store, moves the
// spool in, and is what IMAP, POP3 (and later DAV) talk to. Protocols never open storage themselves.
import { DecryptionError } from '../crypto/aead.ts';
import type { HybridPrivateKey } from '../crypto/hybrid-kem.ts';
import { mailboxKemKey } from '../crypto/mailbox-keys.ts';
import type { ConfigStore, MailboxRecord } from '../storage/config-store.ts';
import { MailboxStore, type AppendInput, type AppendResult } from '../storage/mailbox-store.ts';
import type { DavStore } from '../storage/dav-store.ts';
import type { Spool } from '../storage/spool.ts';
import { DomainError } from './errors.ts';
import type { MessageAnalyzer } from './message-analyzer.ts';

/** Read and state-changing operations protocols use directly (all but raw append and lifecycle). */
export type MailboxView = Pick<
  MailboxStore,
  | 'listFolders'
  | 'getFolder'
  | 'folderById'
  | 'folderBySpecialUse'
  | 'createFolder'
  | 'renameFolder'
  | 'deleteFolder'
  | 'setSubscribed'
  | 'folderStatus'
  | 'uids'
  | 'fetch'
  | 'readRaw'
  | 'readRawRange'
  | 'readRawChunks'
  | 'storeFlags'
  | 'copy'
  | 'move'
  | 'expunge'
  | 'search'
  | 'lastChangeId'
  | 'changesSince'
  | 'usage'
>;

const DRAIN_BATCH_MESSAGES = 64;
const DRAIN_BATCH_BYTES = 16 * 1024 * 1024;

export interface SessionDeps {
  config: ConfigStore;
  spool: Spool;
  analyzer: MessageAnalyzer;
  mailboxPath: (mailboxId: string) => string;
}

export interface DrainReport {
  delivered: number;
  duplicates: number;
  /** spool files that failed to open (corrupt or sealed to another key); left in place */
  failed: string[];
}

export class MailboxSession {
  readonly mailbox: MailboxRecord;
  readonly #store: MailboxStore;
  readonly #deps: SessionDeps;
  readonly #kem: HybridPrivateKey;
  #draining: Promise<DrainReport> | undefined;
  #closed = false;

  private constructor(mailbox: MailboxRecord, store: MailboxStore, kem: HybridPrivateKey, deps: SessionDeps) {
    this.mailbox = mailbox;
    this.#store = store;
    this.#kem = kem;
    this.#deps = deps;
  }

  /** Opens the mailbox with K (which the caller may zero afterwards) and drains its spool. */
  static async open(
    mailbox: MailboxRecord,
    key: Buffer,
    deps: SessionDeps,
    opts: { drain?: boolean } = {},
  ): Promise<MailboxSession> {
    const store = MailboxStore.open(deps.mailboxPath(mailbox.id), key);
    const session = new MailboxSession(mailbox, store, mailboxKemKey(key), deps);
    if (opts.drain ?? true) await session.drainSpool();
    return session;
  }

  /** The store's operations; valid until close(). */
  get view(): MailboxView {
    if (this.#closed) throw new DomainError('TEMPORARY', 'session closed');
    return this.#store;
  }

  /** Calendars and contacts (the DAV role); valid until close(). */
  get dav(): DavStore {
    if (this.#closed) throw new DomainError('TEMPORARY', 'session closed');
    return this.#store.dav;
  }

  /** APPEND (IMAP) and local submission: analyzes the message for FETCH and SEARCH, then stores it. */
  async append(
    folderId: number,
    raw: Buffer,
    opts: { flags?: readonly string[]; internalDate?: number } = {},
  ): Promise<AppendResult> {
    this.#checkQuota(raw.length);
    const a = await this.#deps.analyzer.analyze(raw);
    const r = this.#store.append(folderId, {
      raw,
      flags: opts.flags,
      internalDate: opts.internalDate,
      summary: a.summary,
      text: a.text,
    });
    this.reportUsage();
    return r;
  }

  #checkQuota(extra: number): void {
    const quota = this.#deps.config.getMailbox(this.mailbox.id)?.quotaBytes;
    if (quota != null && this.#store.usage().bytes + extra > quota)
      throw new DomainError('OVER_QUOTA', 'mailbox is full');
  }

  /**
   * Moves sealed spool files into INBOX. Idempotent and crash-safe: each message is recorded with
   * its spool id in the same transaction that stores it, and the file is deleted only after that
   * commit is durable; a file seen again is skipped. Concurrent calls share one run.
   * Other processes with this mailbox open learn about the new messages from changesSince().
   */
  drainSpool(): Promise<DrainReport> {
    if (!this.#draining) {
      this.#draining = this.#drain().finally(() => (this.#draining = undefined));
    }
    return this.#draining;
  }

  async #drain(): Promise<DrainReport> {
    const { spool, analyzer } = this.#deps;
    const id = this.mailbox.id;
    const report: DrainReport = { delivered: 0, duplicates: 0, failed: [] };
    const inbox = this.#store.getFolder('INBOX')!.id;
    // Mail the MX role judged to be spam (spool envelope folder 'junk') goes to \Junk.
    const junk = this.#store.folderBySpecialUse('\\Junk')?.id ?? inbox;
    // Messages are committed in batches: one fsync for many messages after a busy weekend.
    let batch: Array<{ spoolId: string; folderId: number; input: AppendInput }> = [];
    let batchBytes = 0;
    const flush = async () => {
      if (!batch.length) return;
      const items = batch;
      batch = [];
      batchBytes = 0;
      const results = this.#store.batch(() => items.map((b) => this.#store.append(b.folderId, b.input)));
      for (const [i, r] of results.entries()) {
        await spool.remove(id, items[i]!.spoolId);
        if (r.duplicate) report.duplicates++;
        else report.delivered++;
      }
    };
    for (const spoolId of await spool.list(id)) {
      if (this.#closed) break;
      if (this.#store.hasSpoolReceipt(spoolId)) {
        await spool.remove(id, spoolId);
        report.duplicates++;
        continue;
      }
      let msg;
      try {
        msg = await spool.read(id, spoolId, this.#kem);
      } catch (err) {
        if (err instanceof DecryptionError || (err as Error).name === 'SealedFormatError') {
          report.failed.push(spoolId);
          continue;
        }
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // another process drained it
        throw err;
      }
      const a = await analyzer.analyze(msg.raw);
      batch.push({
        spoolId,
        folderId: msg.envelope.folder === 'junk' ? junk : inbox,
        input: {
          raw: msg.raw,
          internalDate: msg.envelope.receivedAt,
          summary: a.summary,
          text: a.text,
          spoolId,
        },
      });
      batchBytes += msg.raw.length;
      if (batch.length >= DRAIN_BATCH_MESSAGES || batchBytes >= DRAIN_BATCH_BYTES) await flush();
    }
    if (!this.#closed) await flush();
    if (report.delivered) this.reportUsage();
    return report;
  }

  /** Tells the config DB the usage, so SMTP can enforce the quota without K. */
  reportUsage(): void {
    const u = this.#store.usage();
    this.#deps.config.setUsage(this.mailbox.id, u.bytes, u.messages);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#store.close();
  }
}
