// IMAP SEARCH (as parsed by imap-core) -> the store's SearchQuery. Text criteria (BODY, TEXT,
// SUBJECT, FROM, TO, CC, BCC, HEADER) go to the FTS5 index inside the encrypted mailbox: they match
// words and word prefixes (see storage/search-query.ts). CC and BCC search the recipients column
// (which holds To, Cc and Bcc); HEADER <name> <value> searches all header values.
import type { SearchQuery } from '../../storage/search-query.ts';
import { ProtocolRefusal } from '../error-codes.ts';
import type { UidRange } from '../../storage/uid-ranges.ts';
import type { CoreSearchTerm } from './imap-core-adapter.ts';

const DAY = 86_400_000;
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

export class SearchTranslationError extends ProtocolRefusal {
  override name = 'SearchTranslationError';
  constructor(message: string) {
    super('INVALID', message);
  }
}

/** "1-Feb-1994" -> start of that day, UTC ms. */
export function parseSearchDate(s: string): number {
  const m = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(s.trim());
  const month = m ? MONTHS.indexOf(m[2]!.toLowerCase()) : -1;
  if (!m || month < 0) throw new SearchTranslationError(`invalid date ${s}`);
  return Date.UTC(Number(m[3]), month, Number(m[1]));
}

/** Sorted UID list -> merged ranges. */
export function toRanges(uids: readonly number[]): UidRange[] {
  const sorted = [...uids].sort((a, b) => a - b);
  const out: Array<[number, number]> = [];
  for (const u of sorted) {
    const last = out[out.length - 1];
    if (last && u <= last[1] + 1) last[1] = Math.max(last[1], u);
    else out.push([u, u]);
  }
  return out;
}

function intersect(a: readonly UidRange[], b: readonly UidRange[]): UidRange[] {
  const out: UidRange[] = [];
  for (const [a0, a1] of a) {
    for (const [b0, b1] of b) {
      const lo = Math.max(a0, b0);
      const hi = Math.min(a1, b1);
      if (lo <= hi) out.push([lo, hi]);
    }
  }
  return out;
}

type Scalar = 'since' | 'before' | 'sentSince' | 'sentBefore' | 'larger' | 'smaller' | 'modseq';
const KEEP_MAX = new Set<Scalar>(['since', 'sentSince', 'larger', 'modseq']);

type TextKey = 'flags' | 'notFlags' | 'text' | 'body' | 'subject' | 'from' | 'to' | 'header';

interface MutableQuery {
  uids?: UidRange[];
  flags?: string[];
  notFlags?: string[];
  since?: number;
  before?: number;
  sentSince?: number;
  sentBefore?: number;
  larger?: number;
  smaller?: number;
  modseq?: number;
  text?: string[];
  body?: string[];
  subject?: string[];
  from?: string[];
  to?: string[];
  header?: string[];
  not?: SearchQuery[];
  or?: Array<readonly [SearchQuery, SearchQuery]>;
}

class Builder {
  readonly q: MutableQuery = {};

  scalar(key: Scalar, v: number): void {
    const cur = this.q[key];
    this.q[key] = cur === undefined ? v : KEEP_MAX.has(key) ? Math.max(cur, v) : Math.min(cur, v);
  }

  push(key: TextKey, v: string): void {
    (this.q[key] ??= []).push(v);
  }

  uids(r: UidRange[]): void {
    this.q.uids = this.q.uids ? intersect(this.q.uids, r) : r;
  }

  nothing(): void {
    this.q.uids = [];
  }
}

function add(b: Builder, t: CoreSearchTerm): void {
  switch (t.key) {
    case 'all':
    case 'charset':
      return;
    case 'flag':
      if (t.value.toLowerCase() === '\\recent') {
        if (t.exists) b.nothing(); // no session ever sees a message as \Recent here
        return;
      }
      b.push(t.exists ? 'flags' : 'notFlags', t.value);
      return;
    case 'not':
      (b.q.not ??= []).push(translateSearch([t.value]));
      return;
    case 'or': {
      const [x, y] = t.value;
      if (!x || !y) throw new SearchTranslationError('OR needs two criteria');
      (b.q.or ??= []).push([translateSearch([x]), translateSearch([y])]);
      return;
    }
    case 'header': {
      const value = String(t.value ?? '');
      switch (t.header) {
        case 'subject':
          return b.push('subject', value);
        case 'from':
          return b.push('from', value);
        case 'to':
        case 'cc':
        case 'bcc':
          return b.push('to', value);
        default:
          if (value) b.push('header', value); // presence-only HEADER criteria match every message
          return;
      }
    }
    case 'internaldate':
    case 'date': {
      const day = parseSearchDate(String(t.value));
      const [since, before] =
        t.key === 'internaldate' ? (['since', 'before'] as const) : (['sentSince', 'sentBefore'] as const);
      if (t.operator === '<') b.scalar(before, day);
      else if (t.operator === '>=') b.scalar(since, day);
      else {
        b.scalar(since, day);
        b.scalar(before, day + DAY);
      }
      return;
    }
    case 'size':
      if (t.operator === '>') b.scalar('larger', Number(t.value));
      else b.scalar('smaller', Number(t.value));
      return;
    case 'modseq':
      b.scalar('modseq', Number(t.value));
      return;
    case 'uid':
      b.uids(toRanges(t.value));
      return;
    case 'body':
      b.push('body', String(t.value));
      return;
    case 'text':
      b.push('text', String(t.value));
      return;
    default:
      throw new SearchTranslationError(`unsupported search key ${(t as { key: string }).key}`);
  }
}

/** Terms are ANDed, as in IMAP. */
export function translateSearch(terms: readonly CoreSearchTerm[]): SearchQuery {
  const b = new Builder();
  for (const t of terms) add(b, t);
  return b.q;
}

export function usesModseq(terms: readonly CoreSearchTerm[]): boolean {
  return terms.some((t) =>
    t.key === 'modseq'
      ? true
      : t.key === 'not'
        ? usesModseq([t.value])
        : t.key === 'or'
          ? usesModseq(t.value)
          : false,
  );
}
