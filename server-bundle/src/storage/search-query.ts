// IMAP SEARCH criteria -> one SQL condition over `messages m` (joined `bodies b`).
// Text criteria go through the FTS5 index inside the mailbox file. FTS matches words and word
// prefixes, not arbitrary substrings: "BODY invoice" finds "invoices", "BODY voice" does not —
// the trade every indexed IMAP server makes (Dovecot FTS, Stalwart) for speed on large mailboxes.
import type { UidRange } from './uid-ranges.ts';

export interface SearchQuery {
  uids?: readonly UidRange[];
  /** all of these flags set */
  flags?: readonly string[];
  /** none of these flags set */
  notFlags?: readonly string[];
  /** internal date bounds, ms since epoch: since <= date < before */
  since?: number;
  before?: number;
  /** Date: header bounds (from the summary), ms since epoch */
  sentSince?: number;
  sentBefore?: number;
  larger?: number;
  smaller?: number;
  /** CONDSTORE MODSEQ criterion: modseq >= value */
  modseq?: number;
  text?: readonly string[];
  body?: readonly string[];
  subject?: readonly string[];
  from?: readonly string[];
  to?: readonly string[];
  /** any header value contains the words (HEADER <name> <value> is approximated by the value) */
  header?: readonly string[];
  not?: readonly SearchQuery[];
  or?: ReadonlyArray<readonly [SearchQuery, SearchQuery]>;
}

export interface SqlCondition {
  sql: string;
  params: unknown[];
}

/**
 * FTS5 query for one search term: every word of it, each as a prefix, all required.
 * The index keeps no positions (detail=column), so "lunch plans" matches both words anywhere in
 * the field rather than the exact phrase: a slightly wider net, never a missed message.
 * Null when the term has no word at all (IMAP then matches everything, as "" would).
 */
export function ftsQuery(term: string): string | null {
  const words = term.match(/[\p{L}\p{N}\p{M}]+/gu);
  if (!words) return null;
  return words.map((w) => `"${w}"*`).join(' AND ');
}

const FTS_COLUMNS = {
  text: null,
  body: 'body',
  subject: 'subject',
  from: 'sender',
  to: 'recipients',
  header: 'headers',
} as const;

function flagCondition(flag: string, present: boolean): SqlCondition {
  // flags is ' '-joined: pad both sides so '\Seen' never matches '\Seenish'
  return { sql: `instr(' ' || m.flags || ' ', ?) ${present ? '>' : '='} 0`, params: [` ${flag} `] };
}

export function buildSearch(q: SearchQuery): SqlCondition {
  const parts: SqlCondition[] = [];
  for (const f of q.flags ?? []) parts.push(flagCondition(f, true));
  for (const f of q.notFlags ?? []) parts.push(flagCondition(f, false));
  if (q.since !== undefined) parts.push({ sql: 'm.internal_date >= ?', params: [q.since] });
  if (q.before !== undefined) parts.push({ sql: 'm.internal_date < ?', params: [q.before] });
  if (q.sentSince !== undefined)
    parts.push({ sql: "coalesce(json_extract(b.summary, '$.date'), 0) >= ?", params: [q.sentSince] });
  if (q.sentBefore !== undefined)
    parts.push({ sql: "coalesce(json_extract(b.summary, '$.date'), 0) < ?", params: [q.sentBefore] });
  if (q.larger !== undefined) parts.push({ sql: 'm.size > ?', params: [q.larger] });
  if (q.smaller !== undefined) parts.push({ sql: 'm.size < ?', params: [q.smaller] });
  if (q.modseq !== undefined) parts.push({ sql: 'm.modseq >= ?', params: [q.modseq] });
  if (q.uids) {
    const ors = q.uids.map(() => 'm.uid BETWEEN ? AND ?').join(' OR ');
    parts.push({ sql: `(${ors || '0'})`, params: q.uids.flatMap(([a, b]) => [a, Math.min(b, 0xffff_ffff)]) });
  }
  for (const key of Object.keys(FTS_COLUMNS) as Array<keyof typeof FTS_COLUMNS>) {
    for (const term of q[key] ?? []) {
      const q = ftsQuery(term);
      if (!q) continue;
      const col = FTS_COLUMNS[key];
      parts.push({
        sql: 'm.body_id IN (SELECT rowid FROM body_fts WHERE body_fts MATCH ?)',
        params: [col ? `{${col}} : (${q})` : q],
      });
    }
  }
  for (const n of q.not ?? []) {
    const c = buildSearch(n);
    parts.push({ sql: `NOT (${c.sql})`, params: c.params });
  }
  for (const [a, b] of q.or ?? []) {
    const ca = buildSearch(a);
    const cb = buildSearch(b);
    parts.push({ sql: `((${ca.sql}) OR (${cb.sql}))`, params: [...ca.params, ...cb.params] });
  }
  if (!parts.length) return { sql: '1', params: [] };
  return { sql: parts.map((p) => `(${p.sql})`).join(' AND '), params: parts.flatMap((p) => p.params) };
}
