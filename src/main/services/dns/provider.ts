/**
 * How Facteur changes a domain's records, whoever hosts them.
 *
 * A DNS provider adapter implements `DnsProvider`:
 *  - `name`: says where changes go, for messages ("dynamic update at 192.0.2.53:53");
 *  - `zone`: the zone the records live in (the domain, or a parent zone holding it);
 *  - `listRecords(keys)` (optional): the records the provider holds now at these names and types,
 *    plus any CNAME at those names. Without it, Facteur reads the live view from the domain's
 *    authoritative servers instead;
 *  - `applyChanges(changes)`: carries out additions and deletions, all at once where the provider
 *    can (RFC 2136 sends one signed message; an HTTP API may need one call per change, deletions
 *    first). It throws a FacteurError in plain words when the provider refuses.
 *
 * Adapters do not decide what to change: `diffRecords` does, the same way for all of them, so an
 * apply is idempotent (missing records are added, wrong ones replaced, everything else left alone,
 * and a second run sends nothing). The RFC 2136 adapter is `rfc2136-provider.ts`; Cloudflare,
 * Hetzner, OVH and deSEC adapters map the same three kinds of change onto their HTTP APIs (their
 * record ids come from their own listRecords).
 */
import type { PlannedRecord } from './record-set';
import { fqdn, normalizeName } from './names';
import { formatValue, rdataKey, type RData, type RDataType } from './rdata';

export interface ProviderRecord {
  name: string;
  ttl: number;
  data: RData;
}

export interface RRsetKey {
  name: string;
  type: RDataType;
}

export type DnsChange =
  | { action: 'add'; record: ProviderRecord }
  | { action: 'delete'; record: ProviderRecord }
  | { action: 'deleteRRset'; name: string; type: RDataType };

export interface DnsProvider {
  readonly name: string;
  readonly zone: string;
  listRecords?(keys: readonly RRsetKey[]): Promise<ProviderRecord[]>;
  applyChanges(changes: readonly DnsChange[]): Promise<void>;
}

/** Whether a TXT text carries `tag` (v=spf1, v=DMARC1...), even wrapped in stray quotes. */
export function hasTxtTag(text: string, tag: string): boolean {
  const t = text.replace(/^[\s"'\\]+/, '').toLowerCase();
  const want = tag.toLowerCase();
  return t === want || t.startsWith(`${want};`) || t.startsWith(`${want} `);
}

/** The records of `current` that a planned group owns (see MatchPolicy). */
export function ownedRecords(
  group: readonly PlannedRecord[],
  current: readonly ProviderRecord[],
): ProviderRecord[] {
  const first = group[0]!;
  const same = current.filter((r) => normalizeName(r.name) === first.name && r.data.type === first.type);
  switch (first.match.kind) {
    case 'exact':
      return same;
    case 'tagged': {
      const tag = first.match.tag;
      return same.filter((r) => r.data.type === 'TXT' && hasTxtTag(r.data.text, tag));
    }
    case 'contains': {
      const want = new Set(group.map((g) => rdataKey(g.data)));
      return same.filter((r) => want.has(rdataKey(r.data)));
    }
  }
}

/** Planned records grouped by what they own: name, type and match policy. */
export function groupPlanned(planned: readonly PlannedRecord[]): PlannedRecord[][] {
  const groups = new Map<string, PlannedRecord[]>();
  for (const r of planned) {
    const key = `${r.name}|${r.type}|${JSON.stringify(r.match)}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()];
}

export interface Diff {
  changes: DnsChange[];
  added: number;
  replaced: number;
  removed: number;
  unchanged: number;
}

/** What to send so the provider holds the plan, touching nothing the plan does not own. */
export function diffRecords(planned: readonly PlannedRecord[], current: readonly ProviderRecord[]): Diff {
  const diff: Diff = { changes: [], added: 0, replaced: 0, removed: 0, unchanged: 0 };
  const cnameCleared = new Set<string>();
  for (const group of groupPlanned(planned)) {
    const first = group[0]!;
    // A CNAME at a name forbids any other data there (RFC 1034 §3.6.2): it has to go first.
    if (first.type !== 'CNAME' && !cnameCleared.has(first.name)) {
      const cname = current.some((r) => normalizeName(r.name) === first.name && r.data.type === 'CNAME');
      if (cname) {
        diff.changes.push({ action: 'deleteRRset', name: first.name, type: 'CNAME' });
        diff.removed++;
        cnameCleared.add(first.name);
      }
    }
    const owned = ownedRecords(group, current);
    const ownedKeys = new Set(owned.map((r) => rdataKey(r.data)));
    const wantedKeys = new Set(group.map((r) => rdataKey(r.data)));
    const missing = group.filter((r) => !ownedKeys.has(rdataKey(r.data)));
    const extra = owned.filter((r) => !wantedKeys.has(rdataKey(r.data)));
    const add = (r: PlannedRecord) =>
      diff.changes.push({ action: 'add', record: { name: r.name, ttl: r.ttl, data: r.data } });
    if (missing.length === 0 && extra.length === 0) {
      diff.unchanged += group.length;
      continue;
    }
    if (first.match.kind === 'exact' && owned.length > 0) {
      diff.changes.push({ action: 'deleteRRset', name: first.name, type: first.type });
      group.forEach(add);
      diff.replaced += group.length;
      continue;
    }
    for (const r of extra) diff.changes.push({ action: 'delete', record: r });
    missing.forEach(add);
    const replaced = Math.min(extra.length, missing.length);
    diff.replaced += replaced;
    diff.added += missing.length - replaced;
    diff.removed += extra.length - replaced;
    diff.unchanged += group.length - missing.length;
  }
  return diff;
}

/** One line per change, for the owner and the logs. */
export function describeChange(c: DnsChange): string {
  switch (c.action) {
    case 'add':
      return `add ${fqdn(c.record.name)} ${c.record.ttl} ${c.record.data.type} ${formatValue(c.record.data)}`;
    case 'delete':
      return `delete ${fqdn(c.record.name)} ${c.record.data.type} ${formatValue(c.record.data)}`;
    case 'deleteRRset':
      return `delete every ${c.type} record at ${fqdn(c.name)}`;
  }
}
