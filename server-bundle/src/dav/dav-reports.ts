// REPORT: calendar-query (time range, RFC 4791 7.8), calendar-multiget, free-busy-query (7.10),
// addressbook-multiget, addressbook-query (every contact: filters are not evaluated yet) and
// sync-collection (RFC 6578).
import { busyPeriods, occursIn, type BusyPeriod } from '../domain/calendar-index.ts';
import { DavStoreError, type DavCollection, type DavObject } from '../storage/dav-store.ts';
import { DavError } from './dav-errors.ts';
import { bodyXml, propRequestOf, xmlReply, type DavReply } from './dav-methods.ts';
import { hrefOf, parseTarget, type DavTarget } from './dav-paths.ts';
import { objectProps, SYNC_TOKEN_PREFIX, syncTokenOf } from './dav-props.ts';
import { collectionOf, type DavContext } from './dav-resources.ts';
import { multistatus, propResponse, statusResponse, type PropRequest } from './multistatus.ts';
import { child, children, escapeXml, NS, propKey, type XmlNode } from './xml.ts';

type CollectionTarget = Extract<DavTarget, { type: 'collection' }>;

/** 20250101T000000Z -> ms; undefined when absent. */
function icalUtc(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value.trim());
  if (!m)
    throw new DavError(400, 'A time-range must use UTC date-times like 20250101T000000Z.', {
      condition: propKey(NS.caldav, 'valid-filter'),
    });
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
}

function objectResponses(
  ctx: DavContext,
  t: CollectionTarget,
  objects: DavObject[],
  req: PropRequest,
): string[] {
  return objects.map((o) =>
    propResponse(hrefOf({ ...t, type: 'object', object: o.href }), objectProps(ctx.address, o, true), req),
  );
}

function calendarQuery(
  ctx: DavContext,
  t: CollectionTarget,
  c: DavCollection,
  xml: XmlNode,
  req: PropRequest,
): DavReply {
  const vcal = child(child(xml, NS.caldav, 'filter'), NS.caldav, 'comp-filter');
  const comp = child(vcal, NS.caldav, 'comp-filter');
  const component = comp?.attrs.name?.toUpperCase();
  const range = child(comp, NS.caldav, 'time-range');
  const start = icalUtc(range?.attrs.start) ?? null;
  const end = icalUtc(range?.attrs.end) ?? null;
  const found = range
    ? ctx.session.dav
        .objectsInRange(c.id, start, end, component)
        .filter((o) => !o.recurring || occursIn(o.data!, start, end))
    : ctx.session.dav
        .listObjects(c.id, { withData: true })
        .filter((o) => !component || o.component === component);
  return xmlReply(207, multistatus(objectResponses(ctx, t, found, req)));
}

const icalStamp = (t: number): string => new Date(t).toISOString().replace(/[-:]|\.\d{3}/g, '');

/** Overlapping or touching periods of one type become one (sorted by start). */
function mergeBusy(periods: BusyPeriod[]): BusyPeriod[] {
  const out: BusyPeriod[] = [];
  for (const p of [...periods].sort((a, b) => a.type.localeCompare(b.type) || a.start - b.start)) {
    const last = out.at(-1);
    if (last && last.type === p.type && p.start <= last.end) last.end = Math.max(last.end, p.end);
    else out.push({ ...p });
  }
  return out.sort((a, b) => a.start - b.start || a.type.localeCompare(b.type));
}

/** CALDAV:free-busy-query: one VFREEBUSY of the collection's busy time in the range (text/calendar). */
function freeBusy(ctx: DavContext, c: DavCollection, xml: XmlNode): DavReply {
  const range = child(xml, NS.caldav, 'time-range');
  const start = icalUtc(range?.attrs.start);
  const end = icalUtc(range?.attrs.end);
  if (start === undefined || end === undefined || end <= start)
    throw new DavError(400, 'A free-busy query needs a time-range with a start before its end.', {
      condition: propKey(NS.caldav, 'valid-filter'),
    });
  const busy = mergeBusy(
    ctx.session.dav
      .objectsInRange(c.id, start, end, 'VEVENT')
      .flatMap((o) => busyPeriods(o.data!, start, end)),
  );
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Facteur//CalDAV//EN',
    'BEGIN:VFREEBUSY',
    `DTSTAMP:${icalStamp(Date.now())}`,
    `DTSTART:${icalStamp(start)}`,
    `DTEND:${icalStamp(end)}`,
    ...busy.map(
      (p) =>
        `FREEBUSY${p.type === 'BUSY' ? '' : `;FBTYPE=${p.type}`}:${icalStamp(p.start)}/${icalStamp(p.end)}`,
    ),
    'END:VFREEBUSY',
    'END:VCALENDAR',
  ];
  return {
    status: 200,
    headers: { 'Content-Type': 'text/calendar; charset=utf-8' },
    body: lines.join('\r\n') + '\r\n',
  };
}

function multiget(
  ctx: DavContext,
  t: CollectionTarget,
  c: DavCollection,
  xml: XmlNode,
  req: PropRequest,
): DavReply {
  const hrefs = children(xml, NS.dav, 'href');
  const out: string[] = [];
  for (const h of hrefs) {
    const ht = parseTarget(h.text.trim());
    const mine =
      ht.type === 'object' &&
      ht.home === t.home &&
      ht.collection === t.collection &&
      ht.address.toLowerCase() === ctx.address;
    const o = mine ? ctx.session.dav.getObject(c.id, ht.object) : undefined;
    if (o) out.push(...objectResponses(ctx, t, [o], req));
    else out.push(statusResponse(h.text.trim(), '404 Not Found'));
  }
  return xmlReply(207, multistatus(out));
}

function syncCollection(
  ctx: DavContext,
  t: CollectionTarget,
  c: DavCollection,
  xml: XmlNode,
  req: PropRequest,
): DavReply {
  const raw = child(xml, NS.dav, 'sync-token')?.text.trim() ?? '';
  let token = 0;
  if (raw) {
    const n = raw.startsWith(SYNC_TOKEN_PREFIX) ? Number(raw.slice(SYNC_TOKEN_PREFIX.length)) : NaN;
    if (!Number.isSafeInteger(n)) invalidToken();
    token = n;
  }
  let set;
  try {
    set = ctx.session.dav.changesSince(c.id, token);
  } catch (err) {
    if (err instanceof DavStoreError && err.code === 'INVALID_TOKEN') invalidToken();
    throw err;
  }
  const changed = ctx.session.dav.getObjects(
    c.id,
    set.changes.filter((x) => !x.deleted).map((x) => x.href),
  );
  const out = objectResponses(ctx, t, changed, req);
  for (const x of set.changes)
    if (x.deleted)
      out.push(statusResponse(hrefOf({ ...t, type: 'object', object: x.href }), '404 Not Found'));
  return xmlReply(207, multistatus(out, `<D:sync-token>${escapeXml(syncTokenOf(set.token))}</D:sync-token>`));
}

function invalidToken(): never {
  throw new DavError(403, 'This sync token is not valid here any more: sync again from scratch.', {
    condition: propKey(NS.dav, 'valid-sync-token'),
  });
}

export function report(ctx: DavContext, t: DavTarget, body: Buffer): DavReply {
  const xml = bodyXml(body);
  if (!xml) throw new DavError(400, 'A REPORT needs an XML body.');
  if (t.type !== 'collection')
    throw new DavError(403, 'Reports run on a calendar or an address book.', {
      condition: propKey(NS.dav, 'supported-report'),
    });
  const c = collectionOf(ctx, t);
  const req = propRequestOf(xml);
  const key = propKey(xml.ns, xml.name);
  if (c.kind === 'calendar' && key === propKey(NS.caldav, 'calendar-query'))
    return calendarQuery(ctx, t, c, xml, req);
  if (c.kind === 'calendar' && key === propKey(NS.caldav, 'free-busy-query')) return freeBusy(ctx, c, xml);
  if (c.kind === 'calendar' && key === propKey(NS.caldav, 'calendar-multiget'))
    return multiget(ctx, t, c, xml, req);
  if (c.kind === 'addressbook' && key === propKey(NS.carddav, 'addressbook-multiget'))
    return multiget(ctx, t, c, xml, req);
  if (c.kind === 'addressbook' && key === propKey(NS.carddav, 'addressbook-query'))
    return xmlReply(
      207,
      multistatus(objectResponses(ctx, t, ctx.session.dav.listObjects(c.id, { withData: true }), req)),
    );
  if (key === propKey(NS.dav, 'sync-collection')) return syncCollection(ctx, t, c, xml, req);
  throw new DavError(403, `This collection does not support the ${xml.name} report.`, {
    condition: propKey(NS.dav, 'supported-report'),
  });
}
