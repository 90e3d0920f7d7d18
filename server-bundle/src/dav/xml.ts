// The only importer of saxes: request bodies -> a small namespace-aware tree. Any DOCTYPE is
// refused before an entity could be declared (no entity bombs, no external entities), and depth
// and element count are bounded. Output helpers build WebDAV answers with fixed prefixes.
import { SaxesParser } from 'saxes';

export const NS = {
  dav: 'DAV:',
  caldav: 'urn:ietf:params:xml:ns:caldav',
  carddav: 'urn:ietf:params:xml:ns:carddav',
  cs: 'http://calendarserver.org/ns/',
  apple: 'http://apple.com/ns/ical/',
} as const;

const PREFIX: Record<string, string> = {
  [NS.dav]: 'D',
  [NS.caldav]: 'C',
  [NS.carddav]: 'CR',
  [NS.cs]: 'CS',
  [NS.apple]: 'A',
};
export const XMLNS_ATTRS = Object.entries(PREFIX)
  .map(([ns, p]) => `xmlns:${p}="${ns}"`)
  .join(' ');

export interface XmlNode {
  ns: string;
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
}

export class XmlError extends Error {
  override name = 'XmlError';
}

const MAX_DEPTH = 32;
const MAX_ELEMENTS = 100_000;

export function parseXml(text: string): XmlNode {
  const parser = new SaxesParser({ xmlns: true, position: false });
  const root: XmlNode = { ns: '', name: '#document', attrs: {}, children: [], text: '' };
  const stack: XmlNode[] = [root];
  let count = 0;
  parser.on('doctype', () => {
    throw new XmlError('DOCTYPE declarations are not accepted (no DTDs, no entities)');
  });
  parser.on('opentag', (tag) => {
    if (stack.length > MAX_DEPTH) throw new XmlError(`XML nested deeper than ${MAX_DEPTH} levels`);
    if (++count > MAX_ELEMENTS) throw new XmlError(`more than ${MAX_ELEMENTS} XML elements`);
    const attrs: Record<string, string> = {};
    for (const a of Object.values(tag.attributes))
      if (typeof a === 'object' && !a.uri) attrs[a.local] = a.value;
    const node: XmlNode = { ns: tag.uri ?? '', name: tag.local ?? tag.name, attrs, children: [], text: '' };
    stack.at(-1)!.children.push(node);
    stack.push(node);
  });
  parser.on('closetag', () => void stack.pop());
  parser.on('text', (t) => void (stack.at(-1)!.text += t));
  parser.on('cdata', (t) => void (stack.at(-1)!.text += t));
  parser.on('error', (err) => {
    throw new XmlError(`the XML body is not well-formed: ${err.message}`);
  });
  try {
    parser.write(text).close();
  } catch (err) {
    if (err instanceof XmlError) throw err;
    throw new XmlError(`the XML body is not well-formed: ${(err as Error).message}`);
  }
  const top = root.children[0];
  if (!top) throw new XmlError('the XML body has no root element');
  return top;
}

export const child = (n: XmlNode | undefined, ns: string, name: string): XmlNode | undefined =>
  n?.children.find((c) => c.ns === ns && c.name === name);

export const children = (n: XmlNode | undefined, ns: string, name: string): XmlNode[] =>
  n?.children.filter((c) => c.ns === ns && c.name === name) ?? [];

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** "{ns}name", the key properties go by. */
export const propKey = (ns: string, name: string): string => `{${ns}}${name}`;

/** An element for a property key: prefixed when the namespace is known, else with its own xmlns. */
export function element(key: string, inner?: string): string {
  const m = /^\{(.*)\}(.+)$/.exec(key);
  const ns = m?.[1] ?? '';
  const name = m?.[2] ?? key;
  const p = PREFIX[ns];
  const open = p ? `${p}:${name}` : `X:${name} xmlns:X="${escapeXml(ns)}"`;
  const close = p ? `${p}:${name}` : `X:${name}`;
  return inner === undefined || inner === '' ? `<${open}/>` : `<${open}>${inner}</${close}>`;
}
