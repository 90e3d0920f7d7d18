// Mailbox accounts and their keys: provisioning, login (password -> K), password change,
// owner reset through the recovery key, app passwords. The server never stores anything that
// opens K by itself: each wrap needs a secret only a user or the owner's desktop holds.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { parsePrivateKey, parsePublicKey } from '../crypto/hybrid-kem.ts';
import {
  newMasterKey,
  unwrapWithPassword,
  unwrapWithRecoveryKey,
  wrapWithPassword,
  wrapWithRecoveryKey,
  WrongSecretError,
  type PasswordWrap,
  type RecoveryWrap,
} from '../crypto/key-wraps.ts';
import type { LoginCache } from '../crypto/login-cache.ts';
import { mailboxKemKey } from '../crypto/mailbox-keys.ts';
import { DEFAULT_KDF_COST, derivePasswordKey, newKdfParams } from '../crypto/password-kdf.ts';
import type { ConfigStore, MailboxRecord } from '../storage/config-store.ts';
import { MailboxStore } from '../storage/mailbox-store.ts';
import { normalizeAddress } from './directory.ts';
import { DomainError } from './errors.ts';

export const PRIMARY_PASSWORD = 'primary';
export const OWNER_RECOVERY = 'owner';

export interface KdfCost {
  memory: number;
  passes: number;
  parallelism: number;
}

export interface AccountsDeps {
  config: ConfigStore;
  loginCache: LoginCache;
  mailboxPath: (mailboxId: string) => string;
  kdfCost?: KdfCost;
}

export interface LoginResult {
  mailbox: MailboxRecord;
  /** The mailbox master key K; the caller zeroes it when the session ends. */
  key: Buffer;
  /** Which wrap opened it (app passwords are listed and revocable). */
  via?: { kind: 'password' | 'app-password'; wrapId: string };
}

export class Accounts {
  readonly #config: ConfigStore;
  readonly #cache: LoginCache;
  readonly #path: (id: string) => string;
  readonly #cost: KdfCost;

  constructor(deps: AccountsDeps) {
    this.#config = deps.config;
    this.#cache = deps.loginCache;
    this.#path = deps.mailboxPath;
    this.#cost = deps.kdfCost ?? DEFAULT_KDF_COST;
  }

  /**
   * Creates a mailbox: a fresh K wrapped under the password and the owner's recovery public key,
   * the mailbox's public key for the spool, and its encrypted file with the special-use folders.
   */
  async createMailbox(input: {
    address: string;
    password: string;
    recoveryPublicKey: Uint8Array;
    displayName?: string;
    quotaBytes?: number | null;
  }): Promise<MailboxRecord> {
    const address = normalizeAddress(input.address);
    const recovery = parsePublicKey(input.recoveryPublicKey);
    const key = newMasterKey();
    try {
      const id = randomUUID();
      const at = { mailboxId: id, wrapId: PRIMARY_PASSWORD };
      const pw = await wrapWithPassword(key, input.password, at, newKdfParams(this.#cost));
      const rw = wrapWithRecoveryKey(key, recovery, { mailboxId: id, wrapId: OWNER_RECOVERY });
      mkdirSync(dirname(this.#path(id)), { recursive: true, mode: 0o700 });
      MailboxStore.open(this.#path(id), key).close();
      return this.#config.createMailbox({
        id,
        address,
        displayName: input.displayName,
        quotaBytes: input.quotaBytes,
        publicKey: mailboxKemKey(key).publicKey.bytes,
        wraps: [
          { kind: 'password', wrapId: PRIMARY_PASSWORD, wrap: pw },
          { kind: 'recovery', wrapId: OWNER_RECOVERY, wrap: rw },
        ],
      });
    } finally {
      key.fill(0);
    }
  }

  /** Password (or app password) -> K. Wrong address and wrong password look the same, and cost the same. */
  async login(address: string, password: string): Promise<LoginResult> {
    let mailbox: MailboxRecord | undefined;
    try {
      mailbox = this.#config.findMailbox(normalizeAddress(address));
    } catch {
      mailbox = undefined;
    }
    if (!mailbox) {
      // Spend the same KDF time so response timing does not reveal which addresses exist.
      await derivePasswordKey(password, newKdfParams(this.#cost), { allowWeak: true });
      throw new DomainError('AUTH_FAILED', 'invalid credentials');
    }
    if (mailbox.state !== 'active') throw new DomainError('DISABLED', 'mailbox disabled');
    const wraps = this.#config
      .listWraps(mailbox.id)
      .filter((w) => w.kind === 'password' || w.kind === 'app-password');
    const cached = this.#cache.get(mailbox.id, password);
    if (cached) {
      // Served from memory only while the wrap that opened it is still there, unchanged: another
      // process may have revoked that app password or reset the password since.
      const w = wraps.find((x) => wrapTag(x) === cached.tag);
      if (w)
        return {
          mailbox,
          key: cached.key,
          via: { kind: w.kind as 'password' | 'app-password', wrapId: w.wrapId },
        };
      cached.key.fill(0);
      this.#cache.invalidate(mailbox.id);
    }
    // The primary password first: app passwords are tried only when it fails.
    wraps.sort((a, b) => (a.kind === 'password' ? -1 : 0) - (b.kind === 'password' ? -1 : 0));
    for (const w of wraps) {
      try {
        const key = await unwrapWithPassword(w.wrap as PasswordWrap, password, {
          mailboxId: mailbox.id,
          wrapId: w.wrapId,
        });
        this.#cache.set(mailbox.id, password, key, wrapTag(w));
        return { mailbox, key, via: { kind: w.kind as 'password' | 'app-password', wrapId: w.wrapId } };
      } catch (err) {
        if (!(err instanceof WrongSecretError)) throw err;
      }
    }
    throw new DomainError('AUTH_FAILED', 'invalid credentials');
  }

  /** Rewraps K under a new password: instant for the mailbox, nothing is re-encrypted. */
  async changePassword(address: string, oldPassword: string, newPassword: string): Promise<void> {
    const { mailbox, key } = await this.login(address, oldPassword);
    try {
      await this.#setPassword(mailbox.id, key, newPassword);
    } finally {
      key.fill(0);
    }
  }

  /**
   * Owner reset: the recovery private key (held by the desktop app) opens K, which gets a new
   * password wrap. Nothing is lost. The desktop may instead open the wrap itself (getRecoveryWrap)
   * and upload a password wrap computed locally (setPasswordWrap), so the private key never leaves it.
   */
  async resetPasswordWithRecoveryKey(
    mailboxId: string,
    recoveryPrivateKey: Uint8Array,
    newPassword: string,
  ): Promise<void> {
    const rec = this.#config.getWrap(mailboxId, 'recovery', OWNER_RECOVERY);
    if (!rec) throw new DomainError('AUTH_FAILED', 'no recovery wrap for this mailbox');
    let key: Buffer;
    try {
      key = unwrapWithRecoveryKey(rec.wrap as RecoveryWrap, parsePrivateKey(recoveryPrivateKey), {
        mailboxId,
        wrapId: OWNER_RECOVERY,
      });
    } catch (err) {
      if (err instanceof WrongSecretError) throw new DomainError('AUTH_FAILED', 'wrong recovery key');
      throw err;
    }
    try {
      await this.#setPassword(mailboxId, key, newPassword);
    } finally {
      key.fill(0);
    }
  }

  getRecoveryWrap(mailboxId: string): RecoveryWrap | undefined {
    return this.#config.getWrap(mailboxId, 'recovery', OWNER_RECOVERY)?.wrap as RecoveryWrap | undefined;
  }

  /** Stores a password wrap computed elsewhere (the desktop, after opening the recovery wrap). */
  setPasswordWrap(mailboxId: string, wrap: PasswordWrap): void {
    this.#config.putWrap(mailboxId, 'password', PRIMARY_PASSWORD, wrap);
    this.#cache.invalidate(mailboxId);
  }

  /** A generated app password (per device), shown once; revocable without touching the main one. */
  async addAppPassword(
    mailboxId: string,
    key: Buffer,
    label: string,
  ): Promise<{ wrapId: string; password: string }> {
    const wrapId = randomBytes(6).toString('hex');
    const password = randomBytes(15).toString('base64url'); // 120 bits: typed once into a client
    const wrap = await wrapWithPassword(
      key,
      password,
      { mailboxId, wrapId, kind: 'app-password' },
      newKdfParams(this.#cost),
    );
    this.#config.putWrap(mailboxId, 'app-password', wrapId, wrap, label);
    return { wrapId, password };
  }

  removeAppPassword(mailboxId: string, wrapId: string): boolean {
    const removed = this.#config.deleteWrap(mailboxId, 'app-password', wrapId);
    this.#cache.invalidate(mailboxId);
    return removed;
  }

  async #setPassword(mailboxId: string, key: Buffer, password: string): Promise<void> {
    const wrap = await wrapWithPassword(
      key,
      password,
      { mailboxId, wrapId: PRIMARY_PASSWORD },
      newKdfParams(this.#cost),
    );
    this.#config.putWrap(mailboxId, 'password', PRIMARY_PASSWORD, wrap);
    this.#cache.invalidate(mailboxId);
  }
}

/** Which wrap, in which version: its id and a hash of its content. */
function wrapTag(w: { wrapId: string; wrap: unknown }): string {
  return `${w.wrapId}:${createHash('sha256').update(JSON.stringify(w.wrap)).digest('base64url')}`;
}
