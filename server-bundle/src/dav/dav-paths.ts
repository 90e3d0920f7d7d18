// URL layout of the DAV role, all under /dav/ (what the web role forwards):
//   /dav/                                      root (points to the principal)
//   /dav/principals/<address>/                 the user
//   /dav/calendars/<address>/[<calendar>/[<object>]]
//   /dav/addressbooks/<address>/[<book>/[<object>]]
// Segments are percent-decoded once and checked: no '.', '..', slashes, backslashes or control
// characters, bounded lengths. A bad path is a DavError 400, an unknown one 404.
import { DavError } from './dav-errors.ts';

export const DAV_ROOT = '/dav/';
const MAX_PATH = 2048;
const MAX_SEGMENT = 255;

export type HomeKind = 'calendars' | 'addressbooks';

export type DavTarget =
  | { type: 'root' }
  | { type: 'principal'; address: string }
  | { type: 'home'; home: HomeKind; address: string }
  | { type: 'collection'; home: HomeKind; address: string; collection: string }
  | { type: 'object'; home: HomeKind; address: string; collection: string; object: string };

function decodeSegment(raw: string): string {
  let s: string;
  try {
    s = decodeURIComponent(raw);
  } catch {
    throw new DavError(400, 'The path holds an invalid percent-encoding.');
  }
  if (s === '.' || s === '..' || /[/\\\u0000-\u001f\u007f]/.test(s) || s.length > MAX_SEGMENT)
    throw new DavError(400, 'The path holds a name that is not allowed (.., slashes, control characters).');
  return s;
}

/** Request target (path or absolute URL, as in a multiget href) -> what it names. */
export function parseTarget(target: string): DavTarget {
  let path = target;
  if (/^https?:\/\//i.test(path)) {
    try {
      path = new URL(path).pathname;
    } catch {
      throw new DavError(400, 'The href is not a valid URL.');
    }
  }
  path = path.split('?')[0]!;
  if (path.length > MAX_PATH) throw new DavError(414, 'The path is too long.');
  if (!path.startsWith('/')) throw new DavError(400, 'The path must start with /.');
  const segs = path.split('/').slice(1);
  if (segs.at(-1) === '') segs.pop();
  const parts = segs.map(decodeSegment);
  if (parts[0] !== 'dav') throw new DavError(404, 'Nothing here: calendars and contacts live under /dav/.');
  const [, area, address, collection, object, ...rest] = parts;
  if (area === undefined) return { type: 'root' };
  if (rest.length || !address) throw new DavError(404, 'No such calendar or address book resource.');
  if (area === 'principals' && collection === undefined) return { type: 'principal', address };
  if (area !== 'calendars' && area !== 'addressbooks')
    throw new DavError(404, 'No such calendar or address book resource.');
  if (collection === undefined) return { type: 'home', home: area, address };
  if (object === undefined) return { type: 'collection', home: area, address, collection };
  return { type: 'object', home: area, address, collection, object };
}

const enc = (s: string): string => encodeURIComponent(s).replace(/%40/g, '@');

export function hrefOf(t: DavTarget): string {
  switch (t.type) {
    case 'root':
      return DAV_ROOT;
    case 'principal':
      return `${DAV_ROOT}principals/${enc(t.address)}/`;
    case 'home':
      return `${DAV_ROOT}${t.home}/${enc(t.address)}/`;
    case 'collection':
      return `${DAV_ROOT}${t.home}/${enc(t.address)}/${enc(t.collection)}/`;
    case 'object':
      return `${DAV_ROOT}${t.home}/${enc(t.address)}/${enc(t.collection)}/${enc(t.object)}`;
  }
}
