/**
 * Judges what the name servers hold against the plan, record by record: ✓ or ✗, expected vs found
 * with the first differing character, and hints for the mistakes registrars' forms invite (quoted
 * TXT, the domain typed twice, a missing final dot, SPF split over two records, a CNAME at the apex,
 * a DKIM key with spaces or line breaks). Pure: the live check feeds it what it observed.
 */
import type { DnsHint, DnsHintCode, DnsRecordCheck, DnsStatus } from '../../../shared/dns';
import { normalizeName } from './names';
import { hasTxtTag, ownedRecords, type ProviderRecord } from './provider';
import { formatValue, rdataKey, type RData } from './rdata';
import type { PlannedRecord } from './record-set';

/** What one server (or the resolver) holds, by `name|type`: records owned by the name, CNAME included. */
export interface Observed {
  records: Map<string, ProviderRecord[]>;
  /** `name|type` keys whose query failed. */
  failed: Set<string>;
}

export const observedKey = (name: string, type: string): string => `${normalizeName(name)}|${type}`;

const LABELS: Partial<Record<PlannedRecord['kind'], string>> = {
  spf: 'SPF',
  mailSpf: 'SPF',
  dkim: 'DKIM',
  dmarc: 'DMARC',
  mtaSts: 'MTA-STS',
  tlsRpt: 'TLS-RPT',
};

export function recordLabel(r: Pick<PlannedRecord, 'kind' | 'type' | 'name'>): string {
  return `${LABELS[r.kind] ?? r.type} record ${r.name}`;
}

/** Where two values first differ (0-based), or -1 when equal. */
export function firstDifference(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

/** A short view of `value` around `at`: the start of its `tag=` part, then the differing place. */
export function excerpt(value: string, at: number, width = 6): string {
  if (value.length <= 40) return value;
  const segStart = Math.max(0, value.lastIndexOf(';', at - 1) + 1);
  const start = segStart + (value.slice(segStart).length - value.slice(segStart).trimStart().length);
  const head = value.slice(start, start + width);
  const from = Math.max(start + width, at - 2);
  const tail = value.slice(from, at + width);
  const gap = from > start + width ? '…' : '';
  const more = at + width < value.length ? '…' : '';
  if (at >= value.length) return `${head}${gap}${value.slice(from)}`;
  return `${head}${gap}${tail}${more}`;
}

function hint(code: DnsHintCode, message: string, params: DnsHint['params'] = {}): DnsHint {
  return { code, message, params };
}

const stripQuotes = (s: string): string =>
  s
    .replace(/\\"/g, '"')
    .replace(/^"+|"+$/g, '')
    .replace(/"\s*"/g, '');
const stripSpace = (s: string): string => stripQuotes(s).replace(/\s+/g, '');

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [items.slice()];
  return items.flatMap((x, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((p) => [x, ...p]),
  );
}

function targetOf(d: RData): string | undefined {
  if (d.type === 'MX') return d.exchange;
  if (d.type === 'SRV' || d.type === 'CNAME') return d.target;
  return undefined;
}

export interface EvaluateContext {
  domain: string;
  /** The authoritative view (the first server that answered). */
  primary: Observed;
  /** The other authoritative servers, to notice that they disagree. */
  others: { server: string; observed: Observed }[];
  resolver: Observed | undefined;
}

interface Verdict {
  status: DnsStatus;
  found: string[];
  message: string;
  diff?: DnsRecordCheck['diff'];
  /** Records the plan owns that should not be there, next to the expected one. */
  extras: ProviderRecord[];
}

function judge(r: PlannedRecord, group: readonly PlannedRecord[], view: Observed): Verdict {
  const key = observedKey(r.name, r.type);
  const label = recordLabel(r);
  if (view.failed.has(key))
    return { status: 'error', found: [], extras: [], message: `${label}: the name server did not answer.` };
  const all = view.records.get(key) ?? [];
  const relevant = ownedRecords(group, all);
  const wanted = new Set(group.map((g) => rdataKey(g.data)));
  const extras = r.match.kind === 'contains' ? [] : relevant.filter((x) => !wanted.has(rdataKey(x.data)));
  const present = relevant.some((x) => rdataKey(x.data) === rdataKey(r.data));
  const cname = all.find((x) => x.data.type === 'CNAME' && r.type !== 'CNAME');
  const shown = (r.match.kind === 'contains' ? all.filter((x) => x.data.type === r.type) : relevant).map(
    (x) => formatValue(x.data),
  );
  if (cname) shown.push(`CNAME ${formatValue(cname.data)}`);
  if (present && extras.length === 0 && !cname)
    return { status: 'ok', found: shown, extras: [], message: `${label}: ${r.value} is published.` };
  if (present) {
    const what = cname
      ? `a CNAME to ${formatValue(cname.data)}`
      : extras.map((x) => formatValue(x.data)).join(', ');
    return {
      status: 'wrong',
      found: shown,
      extras,
      message: `${label}: ${r.value} is published, but so is ${what}, which should not be there.`,
    };
  }
  // Compare with the closest value found (the longest common start).
  const candidates = (relevant.length ? relevant : all.filter((x) => x.data.type === r.type)).map((x) =>
    formatValue(x.data),
  );
  if (candidates.length === 0 && !cname)
    return {
      status: 'missing',
      found: shown,
      extras: [],
      message: `${label}: missing (expected ${r.value}).`,
    };
  if (candidates.length === 0)
    return {
      status: 'wrong',
      found: shown,
      extras: [],
      message: `${label}: expected ${r.value}, found a CNAME to ${formatValue(cname!.data)} instead.`,
    };
  const closest = candidates
    .map((c) => ({ c, at: firstDifference(r.value, c) }))
    .sort((a, b) => b.at - a.at)[0]!;
  const at = closest.at;
  const exp = excerpt(r.value, at);
  const fnd = excerpt(closest.c, at);
  const where =
    at >= closest.c.length
      ? `found value ends at character ${closest.c.length}`
      : at >= r.value.length
        ? `found value goes on after character ${r.value.length}`
        : `differs at character ${at + 1}`;
  return {
    status: 'wrong',
    found: shown,
    extras: [],
    message: `${label}: expected ${exp}, found ${fnd} (${where}).`,
    diff: { at: at + 1, expected: exp, found: fnd },
  };
}

function hintsFor(r: PlannedRecord, v: Verdict, ctx: EvaluateContext): DnsHint[] {
  const out: DnsHint[] = [];
  const { domain, primary } = ctx;
  const all = primary.records.get(observedKey(r.name, r.type)) ?? [];
  const txts = all.flatMap((x) => (x.data.type === 'TXT' ? [x.data] : []));
  const expected = r.data.type === 'TXT' ? r.data.text : undefined;

  if (v.status !== 'ok' && expected !== undefined) {
    const quoted = txts.find((t) => /^\s*"|"\s*$|\\"/.test(t.text));
    if (quoted && stripQuotes(quoted.text) === expected)
      out.push(
        hint(
          'quotedTxt',
          `The ${r.name} TXT record holds quote marks as part of its text. Enter the value without quotes: the provider adds them.`,
          { name: r.name },
        ),
      );
    else if (
      txts.some(
        (t) =>
          t.text !== expected &&
          stripSpace(t.text) === stripSpace(expected) &&
          stripQuotes(t.text) !== expected,
      )
    )
      out.push(
        hint(
          'whitespace',
          `The ${r.name} TXT record has spaces or line breaks where the value has none (or lost some it needs). Paste the value again in one piece, exactly as shown.`,
          { name: r.name },
        ),
      );
    if (txts.length >= 2 && txts.length <= 4 && !txts.some((t) => t.text === expected)) {
      const texts = txts.map((t) => stripQuotes(t.text));
      const split = permutations(texts).some((p) => p.join('') === expected || p.join(' ') === expected);
      if (split)
        out.push(
          r.kind === 'spf' || r.kind === 'mailSpf'
            ? hint(
                'spfSplit',
                `The SPF value of ${r.name} is split over ${txts.length} TXT records. It must be one record (long values are split into strings inside that one record, not into several records).`,
                { name: r.name, count: txts.length },
              )
            : hint(
                'txtSplit',
                `The value of ${r.name} is split over ${txts.length} TXT records. It must be one record: paste the whole value into a single TXT record.`,
                { name: r.name, count: txts.length },
              ),
        );
    }
  }
  if (
    (r.kind === 'spf' || r.kind === 'mailSpf') &&
    txts.filter((t) => hasTxtTag(t.text, 'v=spf1')).length >= 2
  )
    out.push(
      hint(
        'multipleSpf',
        `${r.name} has ${txts.filter((t) => hasTxtTag(t.text, 'v=spf1')).length} SPF records; receivers then ignore them all. Keep only one.`,
        { name: r.name, count: txts.filter((t) => hasTxtTag(t.text, 'v=spf1')).length },
      ),
    );
  if (v.status === 'wrong' && v.extras.length && r.match.kind === 'exact')
    out.push(
      hint(
        'extraRecords',
        `Remove the other ${r.type} record${v.extras.length > 1 ? 's' : ''} at ${r.name}: ${v.extras.map((x) => formatValue(x.data)).join(', ')}.`,
        { name: r.name, type: r.type, extra: v.extras.map((x) => formatValue(x.data)).join(', ') },
      ),
    );
  if (v.status !== 'ok') {
    const doubled = `${r.name}.${domain}`;
    const there = (primary.records.get(observedKey(doubled, r.type)) ?? []).filter(
      (x) => x.data.type === r.type,
    );
    if (there.length)
      out.push(
        hint(
          'doubledName',
          `A ${r.type} record exists at ${doubled}: the domain was added twice. In the provider's form, enter only "${r.host}" as the name (or the full name with a final dot).`,
          { name: doubled, host: r.host, type: r.type },
        ),
      );
    const want = targetOf(r.data);
    for (const x of all) {
      const t = targetOf(x.data);
      if (want && t && normalizeName(t) === `${normalizeName(want)}.${domain}`)
        out.push(
          hint(
            'targetMissingDot',
            `The ${r.type} record at ${r.name} points to ${t}: the target lacks its final dot, so the domain was appended. Write ${normalizeName(want)}. with the dot at the end.`,
            { name: r.name, found: t, expected: `${normalizeName(want)}.` },
          ),
        );
    }
  }
  if (r.name === domain) {
    const cname = all.find((x) => x.data.type === 'CNAME');
    if (cname)
      out.push(
        hint(
          'apexCname',
          `${domain} itself is a CNAME (to ${formatValue(cname.data)}). A domain name cannot be an alias and also hold MX, TXT and CAA records: delete that CNAME.`,
          { name: domain, target: formatValue(cname.data) },
        ),
      );
  }
  const key = observedKey(r.name, r.type);
  const mine = new Set((primary.records.get(key) ?? []).map((x) => rdataKey(x.data)));
  for (const o of ctx.others) {
    if (o.observed.failed.has(key)) continue;
    const theirs = new Set((o.observed.records.get(key) ?? []).map((x) => rdataKey(x.data)));
    if (theirs.size !== mine.size || [...theirs].some((k) => !mine.has(k))) {
      out.push(
        hint(
          'nameserversDisagree',
          `The name server ${o.server} gives another answer for ${r.name} ${r.type}: it may not have received the change yet.`,
          { name: r.name, type: r.type, server: o.server },
        ),
      );
      break;
    }
  }
  return out;
}

/** One result per planned record of the group. */
export function evaluateGroup(group: readonly PlannedRecord[], ctx: EvaluateContext): DnsRecordCheck[] {
  return group.map((r) => {
    const v = judge(r, group, ctx.primary);
    const resolverStatus = ctx.resolver ? judge(r, group, ctx.resolver).status : 'error';
    const hints = hintsFor(r, v, ctx);
    if (v.status === 'ok' && resolverStatus !== 'ok')
      hints.push(
        hint(
          'resolverStale',
          `The name servers are right, but your resolver still answers otherwise; it may keep its old answer for up to ${r.ttl} seconds.`,
          { name: r.name, ttl: r.ttl },
        ),
      );
    return {
      id: r.id,
      kind: r.kind,
      name: r.name,
      type: r.type,
      expected: r.value,
      found: v.found,
      status: v.status,
      resolverStatus,
      message: v.message,
      ...(v.diff ? { diff: v.diff } : {}),
      hints,
    };
  });
}
