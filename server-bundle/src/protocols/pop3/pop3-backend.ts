// POP3 on top of the domain: the maildrop is INBOX as it was at login (RFC 1939); DELE marks,
// QUIT expunges the marked messages and flags the retrieved ones \Seen. One session per mailbox
// at a time (maildrop lock); the login drains the spool like any other session.
import { Readable } from 'node:stream';
import { DomainError } from '../../domain/errors.ts';
import type { MailCore } from '../../domain/mail-core.ts';
import type { MailboxSession } from '../../domain/mailbox-session.ts';
import type { Logger } from '../../log/logger.ts';
import type { MailboxEventBus } from '../../notify/mailbox-events.ts';
import type { LoginThrottle } from '../../security/login-throttle.ts';
import { ALL, type UidRange } from '../../storage/uid-ranges.ts';
import { ProtocolRefusal } from '../error-codes.ts';
import type { MaildropLock, ReleaseLock } from './maildrop-lock.ts';
import type { Pop3Backend, Pop3ConnectionInfo, Pop3Message } from './pop3-adapter.ts';

export class Pop3User {
  readonly session: MailboxSession;
  readonly inboxId: number;
  readonly #release: ReleaseLock;
  #closed = false;

  constructor(session: MailboxSession, inboxId: number, release: ReleaseLock) {
    this.session = session;
    this.inboxId = inboxId;
    this.#release = release;
  }

  get closed(): boolean {
    return this.#closed;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.session.close();
    await this.#release();
  }
}

export interface Pop3BackendDeps {
  core: MailCore;
  throttle: LoginThrottle;
  lock: MaildropLock;
  events?: MailboxEventBus;
  log: Logger;
}

function ranges(uids: readonly number[]): UidRange[] {
  return [...uids].sort((a, b) => a - b).map((u) => [u, u] as const);
}

/**
 * A client that QUITs and reconnects at once may find its own previous session still closing:
 * wait a moment for the lock before answering IN-USE.
 */
async function acquireWithGrace(
  lock: MaildropLock,
  mailboxId: string,
  graceMs = 2000,
): Promise<ReleaseLock | undefined> {
  const until = Date.now() + graceMs;
  for (;;) {
    const release = await lock.acquire(mailboxId);
    if (release || Date.now() >= until) return release;
    await new Promise((r) => setTimeout(r, 50));
  }
}

export class Pop3MailBackend implements Pop3Backend<Pop3User> {
  readonly #deps: Pop3BackendDeps;

  constructor(deps: Pop3BackendDeps) {
    this.#deps = deps;
  }

  async authenticate(conn: Pop3ConnectionInfo, username: string, password: string) {
    const { core, throttle, lock, log } = this.#deps;
    await throttle.assertAllowed(conn.remoteAddress);
    let session: MailboxSession;
    try {
      session = await core.openSession(username, password);
    } catch (err) {
      if (err instanceof DomainError && err.code === 'AUTH_FAILED') {
        const st = await throttle.recordFailure(conn.remoteAddress);
        log.info('pop3.login_failed', { cid: conn.id, ip: conn.remoteAddress, blocked: st.blocked });
      }
      throw err;
    }
    await throttle.recordSuccess(conn.remoteAddress);
    const release = await acquireWithGrace(lock, session.mailbox.id).catch((err: unknown) => {
      session.close();
      throw err;
    });
    if (!release) {
      session.close();
      throw new ProtocolRefusal('IN_USE', 'Maildrop is in use by another POP3 session');
    }
    const inbox = session.view.getFolder('INBOX');
    if (!inbox) {
      session.close();
      await release();
      throw new DomainError('TEMPORARY', 'mailbox has no INBOX');
    }
    void this.#deps.events?.changed(session.mailbox.id); // the login may have drained the spool
    log.info('pop3.login', { cid: conn.id, mailboxId: session.mailbox.id });
    return {
      user: new Pop3User(session, inbox.id, release),
      id: session.mailbox.id,
      username: session.mailbox.address,
    };
  }

  async list(user: Pop3User): Promise<Pop3Message[]> {
    const view = user.session.view;
    const uidvalidity = view.folderById(user.inboxId).uidvalidity;
    return view.fetch(user.inboxId, ALL, { summary: false }).map((m) => ({
      uid: m.uid,
      size: m.size,
      uidl: `${uidvalidity}.${m.uid}`,
      seen: m.flags.some((f) => f.toLowerCase() === '\\seen'),
    }));
  }

  retrieve(user: Pop3User, message: Pop3Message): Readable | undefined {
    const view = user.session.view;
    if (!view.fetch(user.inboxId, [[message.uid, message.uid]], { summary: false }).length) return undefined;
    return Readable.from(view.readRawChunks(user.inboxId, message.uid));
  }

  async update(user: Pop3User, changes: { deleted: Pop3Message[]; retrieved: Pop3Message[] }): Promise<void> {
    const view = user.session.view;
    if (changes.retrieved.length)
      view.storeFlags(user.inboxId, ranges(changes.retrieved.map((m) => m.uid)), 'add', ['\\Seen']);
    if (changes.deleted.length) {
      const r = ranges(changes.deleted.map((m) => m.uid));
      view.storeFlags(user.inboxId, r, 'add', ['\\Deleted']);
      view.expunge(user.inboxId, r);
      user.session.reportUsage();
    }
    if (changes.retrieved.length || changes.deleted.length)
      void this.#deps.events?.changed(user.session.mailbox.id);
  }

  connectionClosed(conn: Pop3ConnectionInfo, user: Pop3User | undefined): void {
    if (!user) return;
    user.close().catch((err: unknown) => this.#deps.log.warn('pop3.close_failed', { err }));
    this.#deps.log.debug('pop3.logout', { cid: conn.id });
  }
}
