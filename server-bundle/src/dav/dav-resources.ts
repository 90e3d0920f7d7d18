// Resolves a parsed target against the logged-in mailbox: its own paths only, collections and
// objects that exist. Shared by the methods and the reports.
import type { MailboxSession } from '../domain/mailbox-session.ts';
import type { CollectionKind, DavCollection, DavObject } from '../storage/dav-store.ts';
import { DavError } from './dav-errors.ts';
import type { DavTarget, HomeKind } from './dav-paths.ts';

export interface DavContext {
  session: MailboxSession;
  /** The logged-in address, lower case. */
  address: string;
}

export const kindOf = (home: HomeKind): CollectionKind => (home === 'calendars' ? 'calendar' : 'addressbook');

export function checkOwner(ctx: DavContext, t: DavTarget): void {
  if (t.type !== 'root' && t.address.toLowerCase() !== ctx.address)
    throw new DavError(403, 'You can only reach your own calendars and address books.');
}

export function collectionOf(
  ctx: DavContext,
  t: DavTarget & { home: HomeKind; collection: string },
): DavCollection {
  const c = ctx.session.dav.getCollection(kindOf(t.home), t.collection);
  if (!c)
    throw new DavError(
      404,
      `There is no ${kindOf(t.home) === 'calendar' ? 'calendar' : 'address book'} named ${t.collection}.`,
    );
  return c;
}

export function objectOf(
  ctx: DavContext,
  t: Extract<DavTarget, { type: 'object' }>,
): { c: DavCollection; o: DavObject } {
  const c = collectionOf(ctx, t);
  const o = ctx.session.dav.getObject(c.id, t.object);
  if (!o) throw new DavError(404, `There is no ${t.object} in ${t.collection}.`);
  return { c, o };
}
