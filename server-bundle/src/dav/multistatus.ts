// 207 Multi-Status bodies: one response per resource, found properties in a 200 propstat and the
// ones asked for but missing in a 404 one.
import type { PropMap } from './dav-props.ts';
import { element, escapeXml, XMLNS_ATTRS } from './xml.ts';

/** Which properties a PROPFIND/REPORT asked for: a list, all (allprop), or names only. */
export type PropRequest = { kind: 'prop'; keys: string[] } | { kind: 'allprop' } | { kind: 'propname' };

/** Properties allprop leaves out because they are expensive or only on request. */
const NOT_IN_ALLPROP = new Set([
  '{urn:ietf:params:xml:ns:caldav}calendar-data',
  '{urn:ietf:params:xml:ns:carddav}address-data',
]);

export function propResponse(href: string, props: PropMap, req: PropRequest): string {
  let found = '';
  let missing = '';
  if (req.kind === 'prop') {
    for (const k of req.keys) {
      const v = props.get(k);
      if (v === undefined) missing += element(k);
      else found += element(k, v);
    }
  } else {
    for (const [k, v] of props) {
      if (req.kind === 'allprop' && NOT_IN_ALLPROP.has(k)) continue;
      found += element(k, req.kind === 'propname' ? undefined : v);
    }
  }
  let out = `<D:response><D:href>${escapeXml(href)}</D:href>`;
  if (found) out += `<D:propstat><D:prop>${found}</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>`;
  if (missing)
    out += `<D:propstat><D:prop>${missing}</D:prop><D:status>HTTP/1.1 404 Not Found</D:status></D:propstat>`;
  if (!found && !missing) out += '<D:status>HTTP/1.1 200 OK</D:status>';
  return out + '</D:response>';
}

export function statusResponse(href: string, status: string): string {
  return `<D:response><D:href>${escapeXml(href)}</D:href><D:status>HTTP/1.1 ${status}</D:status></D:response>`;
}

export function multistatus(responses: string[], extra = ''): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n<D:multistatus ${XMLNS_ATTRS}>${responses.join('')}${extra}</D:multistatus>`;
}
