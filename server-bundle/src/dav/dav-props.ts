// Properties of each kind of DAV resource, as XML fragments keyed "{ns}name". What a client asks
// for and we do not have is answered 404 in its own propstat (RFC 4918).
import type { DavCollection, DavObject } from '../storage/dav-store.ts';
import { hrefOf, type DavTarget } from './dav-paths.ts';
import { escapeXml, NS, propKey } from './xml.ts';

export type PropMap = Map<string, string>;

const D = (n: string) => propKey(NS.dav, n);
const C = (n: string) => propKey(NS.caldav, n);
const CR = (n: string) => propKey(NS.carddav, n);

export const SYNC_TOKEN_PREFIX = 'urn:x-facteur:sync:';
export const syncTokenOf = (n: number): string => `${SYNC_TOKEN_PREFIX}${n}`;

const href = (t: DavTarget) => `<D:href>${escapeXml(hrefOf(t))}</D:href>`;

function common(address: string): PropMap {
  const principal = href({ type: 'principal', address });
  return new Map([
    [D('current-user-principal'), principal],
    [D('owner'), principal],
    [
      D('current-user-privilege-set'),
      [
        'read',
        'write',
        'write-properties',
        'write-content',
        'bind',
        'unbind',
        'read-current-user-privilege-set',
      ]
        .map((p) => `<D:privilege><D:${p}/></D:privilege>`)
        .join(''),
    ],
  ]);
}

export function rootProps(address: string): PropMap {
  const m = common(address);
  m.set(D('resourcetype'), '<D:collection/>');
  return m;
}

export function principalProps(address: string, displayName: string): PropMap {
  const m = common(address);
  m.set(D('resourcetype'), '<D:principal/>');
  m.set(D('displayname'), escapeXml(displayName || address));
  m.set(D('principal-URL'), href({ type: 'principal', address }));
  m.set(C('calendar-home-set'), href({ type: 'home', home: 'calendars', address }));
  m.set(CR('addressbook-home-set'), href({ type: 'home', home: 'addressbooks', address }));
  m.set(C('calendar-user-address-set'), `<D:href>mailto:${escapeXml(address)}</D:href>`);
  return m;
}

export function homeProps(address: string): PropMap {
  const m = common(address);
  m.set(D('resourcetype'), '<D:collection/>');
  return m;
}

const reports = (names: string[]) =>
  names.map((r) => `<D:supported-report><D:report>${r}</D:report></D:supported-report>`).join('');

export function collectionProps(address: string, c: DavCollection): PropMap {
  const m = common(address);
  m.set(D('displayname'), escapeXml(c.displayName || c.name));
  m.set(propKey(NS.cs, 'getctag'), String(c.syncToken));
  m.set(D('sync-token'), syncTokenOf(c.syncToken));
  if (c.kind === 'calendar') {
    m.set(D('resourcetype'), '<D:collection/><C:calendar/>');
    m.set(C('calendar-description'), escapeXml(c.description));
    m.set(propKey(NS.apple, 'calendar-color'), escapeXml(c.color));
    m.set(
      C('supported-calendar-component-set'),
      c.components.map((x) => `<C:comp name="${escapeXml(x)}"/>`).join(''),
    );
    m.set(
      D('supported-report-set'),
      reports([
        '<C:calendar-query/>',
        '<C:calendar-multiget/>',
        '<C:free-busy-query/>',
        '<D:sync-collection/>',
      ]),
    );
  } else {
    m.set(D('resourcetype'), '<D:collection/><CR:addressbook/>');
    m.set(CR('addressbook-description'), escapeXml(c.description));
    m.set(
      CR('supported-address-data'),
      '<CR:address-data-type content-type="text/vcard" version="3.0"/><CR:address-data-type content-type="text/vcard" version="4.0"/>',
    );
    m.set(
      D('supported-report-set'),
      reports(['<CR:addressbook-query/>', '<CR:addressbook-multiget/>', '<D:sync-collection/>']),
    );
  }
  return m;
}

export function contentTypeOf(o: DavObject): string {
  return o.component === 'VCARD'
    ? 'text/vcard; charset=utf-8'
    : `text/calendar; charset=utf-8; component=${o.component.toLowerCase()}`;
}

export function objectProps(address: string, o: DavObject, withData: boolean): PropMap {
  const m = common(address);
  m.set(D('resourcetype'), '');
  m.set(D('getetag'), escapeXml(o.etag));
  m.set(D('getcontenttype'), contentTypeOf(o));
  m.set(D('getlastmodified'), new Date(o.modifiedAt).toUTCString());
  if (o.data !== undefined) m.set(D('getcontentlength'), String(Buffer.byteLength(o.data)));
  if (withData && o.data !== undefined) {
    const key = o.component === 'VCARD' ? CR('address-data') : C('calendar-data');
    m.set(key, escapeXml(o.data));
  }
  return m;
}
