// The server's configuration database (domains, mailboxes, aliases, wrapped mailbox keys,
// mailbox public keys, quotas), encrypted with the server key from the secrets file.
// It holds no key that opens a mailbox: every mailbox key here is wrapped under a user secret.
import { randomUUID } from 'node:crypto';
import type { KeyWrap, WrapKind } from '../crypto/key-wraps.ts';
import { migrate, type Migration } from './migrations.ts';
import { openDatabase, type Db, type Statement } from './sqlite-adapter.ts';

export const CONFIG_MIGRATIONS: readonly Migration[] = [
  `
  CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE domains (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,                 -- lower case, ASCII (IDN as punycode)
    created_at INTEGER NOT NULL
  );
  CREATE TABLE mailboxes (
    id            TEXT PRIMARY KEY,                  -- random; names the mailbox file and spool dir
    domain_id     INTEGER NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
    local_part    TEXT NOT NULL COLLATE NOCASE,
    display_name  TEXT,
    quota_bytes   INTEGER,                           -- NULL: no quota
    used_bytes    INTEGER NOT NULL DEFAULT 0,        -- reported by sessions that hold K
    used_messages INTEGER NOT NULL DEFAULT 0,
    public_key    BLOB NOT NULL,                     -- hybrid public key: SMTP seals to it
    state         TEXT NOT NULL DEFAULT 'active',    -- 'active' | 'disabled'
    created_at    INTEGER NOT NULL,
    UNIQUE (domain_id, local_part)
  );
  CREATE TABLE key_wraps (
    mailbox_id TEXT NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,                        -- 'password' | 'app-password' | 'recovery'
    wrap_id    TEXT NOT NULL,
    label      TEXT,
    wrap       TEXT NOT NULL,                        -- JSON (crypto/key-wraps.ts)
    created_at INTEGER NOT NULL,
    PRIMARY KEY (mailbox_id, kind, wrap_id)
  ) WITHOUT ROWID;
  CREATE TABLE aliases (
    id           INTEGER PRIMARY KEY,
    domain_id    INTEGER NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
    local_part   TEXT NOT NULL COLLATE NOCASE,       -- '*' is the domain's catch-all
    destinations TEXT NOT NULL,                      -- JSON array of addresses
    created_at   INTEGER NOT NULL,
    UNIQUE (domain_id, local_part)
  );
  `,
];

export interface DomainRecord {
  id: number;
  name: string;
}

export interface MailboxRecord {
  id: string;
  address: string;
  localPart: string;
  domain: string;
  displayName: string | null;
  quotaBytes: number | null;
  usedBytes: number;
  usedMessages: number;
  publicKey: Buffer;
  state: 'active' | 'disabled';
}

export interface WrapRecord {
  mailboxId: string;
  kind: WrapKind;
  wrapId: string;
  label: string | null;
  wrap: KeyWrap;
  createdAt: number;
}

export interface AliasRecord {
  id: number;
  address: string; // '*@domain' for a catch-all
  destinations: string[];
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly code: 'NOT_FOUND' | 'EXISTS' | 'INVALID';
  constructor(code: ConfigError['code'], message: string) {
    super(message);
    this.code = code;
  }
}

export function splitAddress(address: string): { local: string; domain: string } {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) throw new ConfigError('INVALID', `not an address: ${address}`);
  return {
    local: address.slice(0, at),
    domain: address
      .slice(at + 1)
      .toLowerCase()
      .replace(/\.$/, ''),
  };
}

interface MailboxRow {
  id: string;
  local_part: string;
  domain: string;
  display_name: string | null;
  quota_bytes: number | null;
  used_bytes: number;
  used_messages: number;
  public_key: Buffer;
  state: 'active' | 'disabled';
}

const MAILBOX_SELECT = `SELECT m.*, d.name AS domain FROM mailboxes m JOIN domains d ON d.id = m.domain_id`;

function toMailbox(r: MailboxRow): MailboxRecord {
  return {
    id: r.id,
    address: `${r.local_part}@${r.domain}`,
    localPart: r.local_part,
    domain: r.domain,
    displayName: r.display_name,
    quotaBytes: r.quota_bytes,
    usedBytes: r.used_bytes,
    usedMessages: r.used_messages,
    publicKey: r.public_key,
    state: r.state,
  };
}

export class ConfigStore {
  readonly #db: Db;
  readonly #stmts = new Map<string, Statement>();

  private constructor(db: Db) {
    this.#db = db;
  }

  static open(path: string, serverKey: Buffer): ConfigStore {
    const db = openDatabase(path, { key: serverKey });
    try {
      migrate(db, CONFIG_MIGRATIONS);
    } catch (err) {
      db.close();
      throw err;
    }
    return new ConfigStore(db);
  }

  close(): void {
    this.#stmts.clear();
    if (this.#db.open) this.#db.close();
  }

  batch<T>(fn: () => T): T {
    return this.#db.transaction(fn).immediate();
  }

  #q<R = unknown>(sql: string): Statement<unknown[], R> {
    let s = this.#stmts.get(sql);
    if (!s) {
      s = this.#db.prepare(sql);
      this.#stmts.set(sql, s);
    }
    return s as Statement<unknown[], R>;
  }

  // ---------------------------------------------------------------- domains

  addDomain(name: string): DomainRecord {
    const n = name.toLowerCase().replace(/\.$/, '');
    if (!/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/.test(n)) {
      throw new ConfigError('INVALID', `invalid domain name: ${name}`);
    }
    if (this.getDomain(n)) throw new ConfigError('EXISTS', `domain ${n} exists`);
    const id = Number(
      this.#q('INSERT INTO domains (name, created_at) VALUES (?, ?)').run(n, Date.now()).lastInsertRowid,
    );
    return { id, name: n };
  }

  getDomain(name: string): DomainRecord | undefined {
    return this.#q<DomainRecord>('SELECT id, name FROM domains WHERE name = ?').get(
      name.toLowerCase().replace(/\.$/, ''),
    );
  }

  listDomains(): DomainRecord[] {
    return this.#q<DomainRecord>('SELECT id, name FROM domains ORDER BY name').all();
  }

  /** Removes the domain with its mailboxes' records and aliases (files are the caller's job). */
  removeDomain(name: string): void {
    const r = this.#q('DELETE FROM domains WHERE name = ?').run(name.toLowerCase());
    if (!r.changes) throw new ConfigError('NOT_FOUND', `no domain ${name}`);
  }

  #domainOf(address: string): { local: string; domain: DomainRecord } {
    const { local, domain } = splitAddress(address);
    const d = this.getDomain(domain);
    if (!d) throw new ConfigError('NOT_FOUND', `domain ${domain} is not served here`);
    return { local, domain: d };
  }

  // ---------------------------------------------------------------- mailboxes

  createMailbox(input: {
    address: string;
    publicKey: Buffer;
    wraps: ReadonlyArray<{ kind: WrapKind; wrapId: string; wrap: KeyWrap; label?: string }>;
    displayName?: string;
    quotaBytes?: number | null;
    id?: string;
  }): MailboxRecord {
    return this.batch(() => {
      const { local, domain } = this.#domainOf(input.address);
      if (!/^[A-Za-z0-9.!#$%&'*/=?^_`{|}~-]{1,64}$/.test(local) || local.includes('+')) {
        throw new ConfigError('INVALID', `invalid mailbox name: ${local}`);
      }
      if (this.#q('SELECT 1 FROM mailboxes WHERE domain_id = ? AND local_part = ?').get(domain.id, local)) {
        throw new ConfigError('EXISTS', `mailbox ${input.address} exists`);
      }
      if (this.#q('SELECT 1 FROM aliases WHERE domain_id = ? AND local_part = ?').get(domain.id, local)) {
        throw new ConfigError('EXISTS', `${input.address} is an alias`);
      }
      const id = input.id ?? randomUUID();
      this.#q(
        'INSERT INTO mailboxes (id, domain_id, local_part, display_name, quota_bytes, public_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ).run(
        id,
        domain.id,
        local,
        input.displayName ?? null,
        input.quotaBytes ?? null,
        input.publicKey,
        Date.now(),
      );
      for (const w of input.wraps) this.putWrap(id, w.kind, w.wrapId, w.wrap, w.label);
      return this.getMailbox(id)!;
    });
  }

  getMailbox(id: string): MailboxRecord | undefined {
    const r = this.#q<MailboxRow>(`${MAILBOX_SELECT} WHERE m.id = ?`).get(id);
    return r ? toMailbox(r) : undefined;
  }

  /** Exact mailbox address (no alias, no plus-tag handling: see domain/directory.ts). */
  findMailbox(address: string): MailboxRecord | undefined {
    const { local, domain } = splitAddress(address);
    const r = this.#q<MailboxRow>(`${MAILBOX_SELECT} WHERE d.name = ? AND m.local_part = ?`).get(
      domain,
      local,
    );
    return r ? toMailbox(r) : undefined;
  }

  listMailboxes(domain?: string): MailboxRecord[] {
    const rows = domain
      ? this.#q<MailboxRow>(`${MAILBOX_SELECT} WHERE d.name = ? ORDER BY m.local_part`).all(
          domain.toLowerCase(),
        )
      : this.#q<MailboxRow>(`${MAILBOX_SELECT} ORDER BY d.name, m.local_part`).all();
    return rows.map(toMailbox);
  }

  updateMailbox(
    id: string,
    patch: { displayName?: string | null; quotaBytes?: number | null; state?: 'active' | 'disabled' },
  ): void {
    const cur = this.getMailbox(id);
    if (!cur) throw new ConfigError('NOT_FOUND', `no mailbox ${id}`);
    this.#q('UPDATE mailboxes SET display_name = ?, quota_bytes = ?, state = ? WHERE id = ?').run(
      patch.displayName !== undefined ? patch.displayName : cur.displayName,
      patch.quotaBytes !== undefined ? patch.quotaBytes : cur.quotaBytes,
      patch.state ?? cur.state,
      id,
    );
  }

  /** Usage as last seen by a session holding K (the server cannot count inside the file). */
  setUsage(id: string, bytes: number, messages: number): void {
    this.#q('UPDATE mailboxes SET used_bytes = ?, used_messages = ? WHERE id = ?').run(bytes, messages, id);
  }

  deleteMailbox(id: string): void {
    const r = this.#q('DELETE FROM mailboxes WHERE id = ?').run(id);
    if (!r.changes) throw new ConfigError('NOT_FOUND', `no mailbox ${id}`);
  }

  // ---------------------------------------------------------------- key wraps

  putWrap(mailboxId: string, kind: WrapKind, wrapId: string, wrap: KeyWrap, label?: string): void {
    if (wrap.kind !== kind) throw new ConfigError('INVALID', 'wrap kind mismatch');
    this.#q(
      `INSERT INTO key_wraps (mailbox_id, kind, wrap_id, label, wrap, created_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (mailbox_id, kind, wrap_id) DO UPDATE SET wrap = excluded.wrap, label = excluded.label, created_at = excluded.created_at`,
    ).run(mailboxId, kind, wrapId, label ?? null, JSON.stringify(wrap), Date.now());
  }

  getWrap(mailboxId: string, kind: WrapKind, wrapId: string): WrapRecord | undefined {
    return this.listWraps(mailboxId).find((w) => w.kind === kind && w.wrapId === wrapId);
  }

  listWraps(mailboxId: string, kind?: WrapKind): WrapRecord[] {
    const rows = this.#q<{
      mailbox_id: string;
      kind: WrapKind;
      wrap_id: string;
      label: string | null;
      wrap: string;
      created_at: number;
    }>('SELECT * FROM key_wraps WHERE mailbox_id = ? ORDER BY kind, wrap_id').all(mailboxId);
    return rows
      .filter((r) => !kind || r.kind === kind)
      .map((r) => ({
        mailboxId: r.mailbox_id,
        kind: r.kind,
        wrapId: r.wrap_id,
        label: r.label,
        wrap: JSON.parse(r.wrap) as KeyWrap,
        createdAt: r.created_at,
      }));
  }

  deleteWrap(mailboxId: string, kind: WrapKind, wrapId: string): boolean {
    return (
      this.#q('DELETE FROM key_wraps WHERE mailbox_id = ? AND kind = ? AND wrap_id = ?').run(
        mailboxId,
        kind,
        wrapId,
      ).changes > 0
    );
  }

  // ---------------------------------------------------------------- aliases

  /** `address` may be '*@domain' (catch-all). Destinations are addresses (local or remote). */
  setAlias(address: string, destinations: readonly string[]): AliasRecord {
    if (!destinations.length) throw new ConfigError('INVALID', 'an alias needs at least one destination');
    for (const d of destinations) splitAddress(d);
    return this.batch(() => {
      const { local, domain } = this.#domainOf(address);
      if (
        local !== '*' &&
        this.#q('SELECT 1 FROM mailboxes WHERE domain_id = ? AND local_part = ?').get(domain.id, local)
      ) {
        throw new ConfigError('EXISTS', `${address} is a mailbox`);
      }
      this.#q(
        `INSERT INTO aliases (domain_id, local_part, destinations, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (domain_id, local_part) DO UPDATE SET destinations = excluded.destinations`,
      ).run(domain.id, local, JSON.stringify(destinations), Date.now());
      return this.getAlias(address)!;
    });
  }

  getAlias(address: string): AliasRecord | undefined {
    const { local, domain } = splitAddress(address);
    const r = this.#q<{ id: number; local_part: string; domain: string; destinations: string }>(
      'SELECT a.id, a.local_part, d.name AS domain, a.destinations FROM aliases a JOIN domains d ON d.id = a.domain_id WHERE d.name = ? AND a.local_part = ?',
    ).get(domain, local);
    return r
      ? {
          id: r.id,
          address: `${r.local_part}@${r.domain}`,
          destinations: JSON.parse(r.destinations) as string[],
        }
      : undefined;
  }

  listAliases(domain?: string): AliasRecord[] {
    const rows = this.#q<{ id: number; local_part: string; domain: string; destinations: string }>(
      'SELECT a.id, a.local_part, d.name AS domain, a.destinations FROM aliases a JOIN domains d ON d.id = a.domain_id ORDER BY d.name, a.local_part',
    ).all();
    return rows
      .filter((r) => !domain || r.domain === domain.toLowerCase())
      .map((r) => ({
        id: r.id,
        address: `${r.local_part}@${r.domain}`,
        destinations: JSON.parse(r.destinations) as string[],
      }));
  }

  removeAlias(address: string): void {
    const a = this.getAlias(address);
    if (!a) throw new ConfigError('NOT_FOUND', `no alias ${address}`);
    this.#q('DELETE FROM aliases WHERE id = ?').run(a.id);
  }

  // ---------------------------------------------------------------- settings

  getSetting(key: string): string | undefined {
    return this.#q<{ value: string }>('SELECT value FROM settings WHERE key = ?').get(key)?.value;
  }

  setSetting(key: string, value: string): void {
    this.#q(
      'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ).run(key, value);
  }
}
