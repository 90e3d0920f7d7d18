// Wires the storage and key layer for one server process (any role): load secrets -> open the
// config DB -> spool, accounts, delivery. Protocol front-ends receive a MailCore and use only it.
//
// Data directory layout:
//   config.db (+ -wal/-shm)      encrypted with the server key (secrets file)
//   mailboxes/<id>.db            one per mailbox, encrypted with a key derived from its K
//   spool/<id>/<spoolId>.sealed  inbound mail sealed to the mailbox public key
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { LoginCache } from '../crypto/login-cache.ts';
import { ConfigStore } from '../storage/config-store.ts';
import { configDbKeyOf, loadOrCreateServerSecrets } from '../storage/server-secrets.ts';
import { Spool } from '../storage/spool.ts';
import { Accounts, type KdfCost } from './accounts.ts';
import { Delivery } from './delivery.ts';
import { MailboxSession } from './mailbox-session.ts';
import { defaultAnalyzer, type MessageAnalyzer } from './message-analyzer.ts';

export interface MailCoreOptions {
  dataDir: string;
  /** Defaults to <dataDir>/secrets.json. */
  secretsPath?: string;
  /** How long an unwrapped key serves repeated logins without the KDF. Default 5 min; 0 disables. */
  loginCacheTtlMs?: number;
  kdfCost?: KdfCost;
  maxMessageBytes?: number;
  analyzer?: MessageAnalyzer;
}

export class MailCore {
  readonly config: ConfigStore;
  readonly spool: Spool;
  readonly accounts: Accounts;
  readonly delivery: Delivery;
  readonly loginCache: LoginCache;
  readonly #analyzer: MessageAnalyzer;
  readonly #dataDir: string;
  readonly #sweeper: NodeJS.Timeout;

  private constructor(dataDir: string, config: ConfigStore, opts: MailCoreOptions) {
    this.#dataDir = dataDir;
    this.config = config;
    this.spool = new Spool(join(dataDir, 'spool'));
    this.loginCache = new LoginCache({ ttlMs: opts.loginCacheTtlMs ?? 5 * 60_000 });
    this.#analyzer = opts.analyzer ?? defaultAnalyzer;
    this.accounts = new Accounts({
      config,
      loginCache: this.loginCache,
      mailboxPath: (id) => this.mailboxPath(id),
      kdfCost: opts.kdfCost,
    });
    this.delivery = new Delivery(config, this.spool, { maxMessageBytes: opts.maxMessageBytes });
    // Expired keys are zeroed on a timer, not only when next looked up: K must not linger in memory.
    this.#sweeper = setInterval(() => this.loginCache.sweep(), 15_000).unref();
  }

  static async open(opts: MailCoreOptions): Promise<MailCore> {
    await mkdir(opts.dataDir, { recursive: true, mode: 0o700 });
    await mkdir(join(opts.dataDir, 'mailboxes'), { recursive: true, mode: 0o700 });
    const secrets = await loadOrCreateServerSecrets(opts.secretsPath ?? join(opts.dataDir, 'secrets.json'));
    const key = configDbKeyOf(secrets);
    try {
      return new MailCore(opts.dataDir, ConfigStore.open(join(opts.dataDir, 'config.db'), key), opts);
    } finally {
      key.fill(0);
    }
  }

  mailboxPath(mailboxId: string): string {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(mailboxId)) throw new Error('invalid mailbox id');
    return join(this.#dataDir, 'mailboxes', `${mailboxId}.db`);
  }

  /**
   * Login + open + drain: what IMAP LOGIN / POP3 PASS do (DAV passes drain: false: it reads no mail).
   * Throws DomainError AUTH_FAILED.
   */
  async openSession(
    address: string,
    password: string,
    opts: { drain?: boolean } = {},
  ): Promise<MailboxSession> {
    const { mailbox, key } = await this.accounts.login(address, password);
    try {
      return await MailboxSession.open(
        mailbox,
        key,
        {
          config: this.config,
          spool: this.spool,
          analyzer: this.#analyzer,
          mailboxPath: (id) => this.mailboxPath(id),
        },
        opts,
      );
    } finally {
      key.fill(0);
    }
  }

  close(): void {
    clearInterval(this.#sweeper);
    this.loginCache.clear();
    this.config.close();
  }
}
