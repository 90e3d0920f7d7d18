// OPTIONS, PROPFIND, PROPPATCH, MKCALENDAR, MKCOL (extended, RFC 5689), GET/HEAD, PUT, DELETE.
import { indexCalendarObject, indexContact, InvalidObjectError } from '../domain/calendar-index.ts';
import { DavStoreError } from '../storage/dav-store.ts';
import { DavError } from './dav-errors.ts';
import { hrefOf, type DavTarget } from './dav-paths.ts';
import {
  collectionProps,
  contentTypeOf,
  homeProps,
  objectProps,
  principalProps,
  rootProps,
  type PropMap,
} from './dav-props.ts';
import { checkOwner, collectionOf, kindOf, objectOf, type DavContext } from './dav-resources.ts';
import { multistatus, propResponse, type PropRequest } from './multistatus.ts';
import { child, children, element, NS, parseXml, propKey, type XmlNode } from './xml.ts';

export interface DavReply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export const DAV_HEADER = '1, 3, extended-mkcol, calendar-access, addressbook';
export const ALLOW = 'OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, PROPPATCH, REPORT, MKCOL, MKCALENDAR';
const XML_TYPE = 'application/xml; charset=utf-8';

export const xmlReply = (status: number, body: string): DavReply => ({
  status,
  headers: { 'Content-Type': XML_TYPE },
  body,
});

export function bodyXml(body: Buffer): XmlNode | undefined {
  if (!body.length) return undefined;
  return parseXml(body.toString('utf8'));
}

export function propRequestOf(node: XmlNode | undefined): PropRequest {
  const prop = child(node, NS.dav, 'prop');
  if (prop) return { kind: 'prop', keys: prop.children.map((c) => propKey(c.ns, c.name)) };
  if (child(node, NS.dav, 'propname')) return { kind: 'propname' };
  return { kind: 'allprop' };
}

/** The properties of one target and, at depth 1, of its members: [href, props][]. */
function resourcesOf(ctx: DavContext, t: DavTarget, depth: number): Array<[string, PropMap]> {
  const dav = ctx.session.dav;
  const out: Array<[string, PropMap]> = [];
  switch (t.type) {
    case 'root':
      out.push([hrefOf(t), rootProps(ctx.address)]);
      if (depth > 0)
        out.push([hrefOf({ type: 'principal', address: ctx.address }), principalProps(ctx.address, '')]);
      break;
    case 'principal':
      out.push([hrefOf(t), principalProps(ctx.address, ctx.session.mailbox.displayName ?? '')]);
      break;
    case 'home':
      out.push([hrefOf(t), homeProps(ctx.address)]);
      if (depth > 0)
        for (const c of dav.listCollections(kindOf(t.home)))
          out.push([
            hrefOf({ ...t, type: 'collection', collection: c.name }),
            collectionProps(ctx.address, c),
          ]);
      break;
    case 'collection': {
      const c = collectionOf(ctx, t);
      out.push([hrefOf(t), collectionProps(ctx.address, c)]);
      if (depth > 0)
        for (const o of dav.listObjects(c.id))
          out.push([hrefOf({ ...t, type: 'object', object: o.href }), objectProps(ctx.address, o, false)]);
      break;
    }
    case 'object': {
      const { o } = objectOf(ctx, t);
      out.push([hrefOf(t), objectProps(ctx.address, o, false)]);
      break;
    }
  }
  return out;
}

function depthOf(header: string | undefined, fallback: number): number {
  if (header === undefined) return fallback;
  if (header === '0') return 0;
  if (header === '1' || header.toLowerCase() === 'infinity') return 1;
  throw new DavError(400, 'The Depth header must be 0, 1 or infinity.');
}

export function propfind(
  ctx: DavContext,
  t: DavTarget,
  depthHeader: string | undefined,
  body: Buffer,
): DavReply {
  const xml = bodyXml(body);
  if (xml && !(xml.ns === NS.dav && xml.name === 'propfind'))
    throw new DavError(400, 'A PROPFIND body must be a DAV:propfind element.');
  const req = propRequestOf(xml);
  const responses = resourcesOf(ctx, t, depthOf(depthHeader, 1)).map(([href, props]) =>
    propResponse(href, props, req),
  );
  return xmlReply(207, multistatus(responses));
}

const SETTABLE = {
  [propKey(NS.dav, 'displayname')]: 'displayName',
  [propKey(NS.caldav, 'calendar-description')]: 'description',
  [propKey(NS.carddav, 'addressbook-description')]: 'description',
  [propKey(NS.apple, 'calendar-color')]: 'color',
} as const;

/** set/remove of displayname, description and color; anything else fails the whole request (403 + 424). */
function collectionSettings(update: XmlNode | undefined): {
  values: { displayName?: string; description?: string; color?: string; components?: string[] };
  refused: string[];
  keys: string[];
} {
  const values: { displayName?: string; description?: string; color?: string; components?: string[] } = {};
  const refused: string[] = [];
  const keys: string[] = [];
  for (const op of update?.children ?? []) {
    const remove = op.ns === NS.dav && op.name === 'remove';
    for (const p of child(op, NS.dav, 'prop')?.children ?? []) {
      const key = propKey(p.ns, p.name);
      keys.push(key);
      if (key === propKey(NS.dav, 'resourcetype')) continue;
      if (key === propKey(NS.caldav, 'supported-calendar-component-set')) {
        values.components = children(p, NS.caldav, 'comp').map((c) => (c.attrs.name ?? '').toUpperCase());
        continue;
      }
      const field = SETTABLE[key];
      if (field) values[field] = remove ? '' : p.text.trim();
      else refused.push(key);
    }
  }
  return { values, refused, keys };
}

export function proppatch(ctx: DavContext, t: DavTarget, body: Buffer): DavReply {
  const xml = bodyXml(body);
  if (!xml || xml.ns !== NS.dav || xml.name !== 'propertyupdate')
    throw new DavError(400, 'A PROPPATCH body must be a DAV:propertyupdate element.');
  if (t.type !== 'collection')
    throw new DavError(403, 'Only calendars and address books have properties to change.');
  const c = collectionOf(ctx, t);
  const { values, refused, keys } = collectionSettings(xml);
  const stat = (ks: string[], status: string) =>
    ks.length
      ? `<D:propstat><D:prop>${ks.map((k) => element(k)).join('')}</D:prop><D:status>HTTP/1.1 ${status}</D:status></D:propstat>`
      : '';
  let inner: string;
  if (refused.length) {
    inner =
      stat(refused, '403 Forbidden') +
      stat(
        keys.filter((k) => !refused.includes(k)),
        '424 Failed Dependency',
      );
  } else {
    ctx.session.dav.updateCollection(c.id, values);
    inner = stat(keys, '200 OK');
  }
  return xmlReply(207, multistatus([`<D:response><D:href>${hrefOf(t)}</D:href>${inner}</D:response>`]));
}

/** MKCALENDAR (RFC 4791) and extended MKCOL (RFC 5689) on /dav/<home>/<address>/<name>/. */
export function mkcollection(
  ctx: DavContext,
  t: DavTarget,
  method: 'MKCOL' | 'MKCALENDAR',
  body: Buffer,
): DavReply {
  if (t.type !== 'collection')
    throw new DavError(403, 'Collections can only be made directly in your calendar or address book home.');
  const kind = kindOf(t.home);
  const xml = bodyXml(body);
  if (method === 'MKCALENDAR' && kind !== 'calendar')
    throw new DavError(403, 'MKCALENDAR makes calendars, under /dav/calendars/.');
  if (xml && !(xml.name === (method === 'MKCALENDAR' ? 'mkcalendar' : 'mkcol')))
    throw new DavError(400, `The ${method} body must be a ${method.toLowerCase()} element.`);
  const set = xml ? { ...xml, children: children(xml, NS.dav, 'set') } : undefined;
  const type = child(child(child(set, NS.dav, 'set'), NS.dav, 'prop'), NS.dav, 'resourcetype');
  if (type) {
    const wanted = type.children.some((c) => c.name === (kind === 'calendar' ? 'calendar' : 'addressbook'));
    if (!wanted)
      throw new DavError(
        403,
        `Only ${kind === 'calendar' ? 'calendars' : 'address books'} can be made here.`,
        {
          condition: propKey(NS.dav, 'valid-resourcetype'),
        },
      );
  }
  const { values, refused } = collectionSettings(set);
  if (refused.length) throw new DavError(403, 'Some properties cannot be set on a new collection.');
  try {
    ctx.session.dav.createCollection(kind, t.collection, values);
  } catch (err) {
    if (err instanceof DavStoreError && err.code === 'EXISTS')
      throw new DavError(405, 'A collection of that name exists already.', {
        condition: propKey(NS.dav, 'resource-must-be-null'),
      });
    throw err;
  }
  return { status: 201, headers: { 'Cache-Control': 'no-cache' } };
}

export function get(ctx: DavContext, t: DavTarget, head: boolean): DavReply {
  if (t.type !== 'object') {
    const msg = 'This is a calendar and contacts (CalDAV/CardDAV) server: use a calendar or contacts app.\n';
    return {
      status: 200,
      headers: { 'Content-Type': 'text/plain; charset=utf-8' },
      body: head ? undefined : msg,
    };
  }
  const { o } = objectOf(ctx, t);
  return {
    status: 200,
    headers: {
      'Content-Type': contentTypeOf(o),
      ETag: o.etag,
      'Last-Modified': new Date(o.modifiedAt).toUTCString(),
    },
    body: head ? undefined : o.data,
  };
}

export function put(
  ctx: DavContext,
  t: DavTarget,
  headers: Record<string, string | undefined>,
  body: Buffer,
): DavReply {
  if (t.type !== 'object')
    throw new DavError(405, 'PUT stores one event or contact inside a calendar or address book.');
  const c = collectionOf(ctx, t);
  const text = body.toString('utf8');
  let index;
  try {
    index = c.kind === 'calendar' ? indexCalendarObject(text) : indexContact(text);
  } catch (err) {
    if (!(err instanceof InvalidObjectError)) throw err;
    throw new DavError(400, err.message, {
      condition:
        c.kind === 'calendar'
          ? propKey(NS.caldav, 'valid-calendar-data')
          : propKey(NS.carddav, 'valid-address-data'),
    });
  }
  if (c.kind === 'calendar' && !c.components.includes(index.component))
    throw new DavError(403, `This calendar does not hold ${index.component} components.`, {
      condition: propKey(NS.caldav, 'supported-calendar-component'),
    });
  const ifMatch = headers['if-match']?.trim();
  const ifNoneMatch = headers['if-none-match']?.trim();
  if (ifNoneMatch !== undefined && ifNoneMatch !== '*') {
    const cur = ctx.session.dav.getObject(c.id, t.object);
    if (
      cur &&
      ifNoneMatch
        .split(',')
        .map((s) => s.trim())
        .includes(cur.etag)
    )
      throw new DavError(412, 'The resource exists with that ETag already.');
  }
  const r = ctx.session.dav.putObject(c.id, t.object, text, index, {
    ifMatch,
    ifNoneMatch: ifNoneMatch === '*',
  });
  return { status: r.created ? 201 : 204, headers: { ETag: r.etag } };
}

export function del(ctx: DavContext, t: DavTarget, ifMatch: string | undefined): DavReply {
  if (t.type === 'collection') {
    const c = collectionOf(ctx, t);
    ctx.session.dav.deleteCollection(c.id);
    return { status: 204 };
  }
  if (t.type !== 'object')
    throw new DavError(403, 'Only calendars, address books and their entries can be deleted.');
  const c = collectionOf(ctx, t);
  if (!ctx.session.dav.deleteObject(c.id, t.object, ifMatch?.trim()))
    throw new DavError(404, `There is no ${t.object} in ${t.collection}.`);
  return { status: 204 };
}

export { checkOwner };
