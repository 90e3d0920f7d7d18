/**
 * What a recovery kit holds once opened: every vault entry (SSH keys, deployment records with their
 * control tokens, recovery keys, backup keys, DNS secrets) with its last write time, and the server
 * list with each server's confirmed host key fingerprint. Merging it into this computer's data adds
 * what is missing and, where both hold an entry, keeps the newer one.
 */
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { serverProfile, type ServerProfile } from '../../../shared/contract';
import type { ImportedItem } from '../../../shared/recovery-kit';
import { FacteurError } from '../../../shared/errors';
import type { VaultEntry } from '../vault/vault';

const payload = z.object({
  kind: z.literal('facteur-vault'),
  version: z.literal(1),
  exportedAt: z.string(),
  servers: z.array(serverProfile),
  vault: z.array(z.object({ name: z.string().min(1), value: z.unknown(), updatedAt: z.string().optional() })),
});

export type KitPayload = z.output<typeof payload>;

export function makePayload(servers: ServerProfile[], vault: VaultEntry[], now: Date): KitPayload {
  return { kind: 'facteur-vault', version: 1, exportedAt: now.toISOString(), servers, vault };
}

export function parsePayload(value: unknown): KitPayload {
  const parsed = payload.safeParse(value);
  if (!parsed.success)
    throw new FacteurError(
      'KIT_DAMAGED',
      'This recovery kit opened but its contents are not what Facteur expects, so nothing was imported.',
      { why: 'contents' },
    );
  return parsed.data;
}

/** What kind of secret a vault entry is, and the server or domain it belongs to. */
export function describeEntry(name: string): Pick<ImportedItem, 'kind' | 'subject'> {
  const patterns: Array<[RegExp, ImportedItem['kind']]> = [
    [/^server:(.+):ssh$/, 'ssh-key'],
    [/^deployment:(.+)$/, 'control-access'],
    [/^recovery-key:(.+)$/, 'recovery-key'],
    [/^backup-key:(.+)$/, 'backup-key'],
    [/^backup-(?:prefs|target):(.+)$/, 'backup-settings'],
    [/^dns\.provider\.(.+)$/, 'dns-secret'],
  ];
  for (const [pattern, kind] of patterns) {
    const m = pattern.exec(name);
    if (m) return { kind, subject: m[1]! };
  }
  return { kind: 'setting', subject: name };
}

const time = (iso: string | undefined): number => (iso ? Date.parse(iso) || 0 : 0);
const profileTime = (p: ServerProfile): number => Math.max(time(p.addedAt), time(p.facts?.checkedAt));

export interface MergePlan {
  vaultWrites: VaultEntry[];
  serverWrites: ServerProfile[];
  items: ImportedItem[];
}

/**
 * Decides, entry by entry, what importing `kit` changes: missing -> added; identical -> unchanged;
 * different -> the one written later wins (an entry without a time counts as oldest, and a tie keeps
 * this computer's).
 */
export function planMerge(
  local: { servers: ServerProfile[]; vault: VaultEntry[] },
  kit: KitPayload,
): MergePlan {
  const plan: MergePlan = { vaultWrites: [], serverWrites: [], items: [] };
  const names = new Map<string, string>();
  for (const s of [...local.servers, ...kit.servers]) names.set(s.id, s.name);
  const label = (subject: string): string => names.get(subject) ?? subject;

  for (const incoming of kit.servers) {
    const mine = local.servers.find((s) => s.id === incoming.id);
    const outcome = !mine
      ? 'added'
      : isDeepStrictEqual(mine, incoming)
        ? 'unchanged'
        : profileTime(incoming) > profileTime(mine)
          ? 'updated'
          : 'kept';
    if (outcome === 'added' || outcome === 'updated') plan.serverWrites.push(incoming);
    plan.items.push({ kind: 'server', subject: incoming.name, outcome });
  }
  for (const incoming of kit.vault) {
    const mine = local.vault.find((e) => e.name === incoming.name);
    const outcome = !mine
      ? 'added'
      : isDeepStrictEqual(mine.value, incoming.value)
        ? 'unchanged'
        : time(incoming.updatedAt) > time(mine.updatedAt)
          ? 'updated'
          : 'kept';
    if (outcome === 'added' || outcome === 'updated') plan.vaultWrites.push(incoming);
    const { kind, subject } = describeEntry(incoming.name);
    plan.items.push({
      kind,
      subject: kind === 'dns-secret' || kind === 'setting' ? subject : label(subject),
      outcome,
    });
  }
  return plan;
}
