// Mailbox events between processes: "new mail in the spool" (published by SMTP, which has no key)
// and "this mailbox changed" (published by a role that holds the key after it appended, stored
// flags or expunged). Receivers that hold an open session drain the spool and read the change
// journal; an event carries nothing but a mailbox id, so the bus learns nothing about mail.
import { randomBytes } from 'node:crypto';
import type { MailNotifier } from '../domain/mail-notifier.ts';

export type MailboxEventKind = 'new-mail' | 'changed';

export interface MailboxEvent {
  kind: MailboxEventKind;
  mailboxId: string;
  /** The bus instance that published it (a receiver may skip its own). */
  origin: string;
}

export type MailboxEventHandler = (event: MailboxEvent) => void;

/** Receiving side: IMAP (and POP3, DAV) processes subscribe once. */
export interface MailboxEventSource {
  readonly origin: string;
  /** Resolves once the subscription is live; the returned function ends it. */
  subscribe(handler: MailboxEventHandler): Promise<() => Promise<void>>;
}

/** Publishing side. SMTP needs only newMail (MailNotifier); key holders also announce changes. */
export interface MailboxEventBus extends MailNotifier, MailboxEventSource {
  changed(mailboxId: string): Promise<void>;
}

export function newOrigin(): string {
  return `${process.pid.toString(36)}-${randomBytes(6).toString('hex')}`;
}

const MAILBOX_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Wire format: compact JSON {k: 'n'|'c', m: mailboxId, o: origin}. */
export function encodeEvent(e: MailboxEvent): string {
  return JSON.stringify({ k: e.kind === 'new-mail' ? 'n' : 'c', m: e.mailboxId, o: e.origin });
}

export function decodeEvent(raw: string): MailboxEvent | undefined {
  if (raw.length > 512) return undefined;
  try {
    const v = JSON.parse(raw) as { k?: unknown; m?: unknown; o?: unknown };
    if (
      (v.k !== 'n' && v.k !== 'c') ||
      typeof v.m !== 'string' ||
      !MAILBOX_ID.test(v.m) ||
      typeof v.o !== 'string'
    )
      return undefined;
    return { kind: v.k === 'n' ? 'new-mail' : 'changed', mailboxId: v.m, origin: v.o.slice(0, 64) };
  } catch {
    return undefined;
  }
}
