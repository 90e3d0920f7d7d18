// What the alerts remember between rounds and across restarts of the jobs role: per condition the
// last decided state (ok / alert), since when, the last observation, and the last email sent. One
// JSON value in Redis (`alerts:state`), written only by the jobs role and read by the control API
// (GET /v1/alerts). A transition is saved with `pending` before its email is sent and cleared
// after: a crash in between sends it once more on restart, never zero times.
import type { RedisConnection } from '../storage/redis-adapter.ts';

export type ConditionKind = 'role' | 'disk' | 'certificate' | 'blocklist' | 'backup';
export type Observed = 'ok' | 'alert' | 'unknown';

/** One condition as a round sees it, with the words an email would use. */
export interface Observation {
  /** Stable name: role:<name>, disk, certificate, blocklist, backup. */
  id: string;
  kind: ConditionKind;
  /** 'unknown' never changes the state (no data, a public resolver, a role briefly away). */
  observed: Observed;
  /** Subject line words, e.g. "The pop3 role is down". */
  title: string;
  /** What happened, in plain words. */
  detail: string;
  /** What the owner can do about it (alerts only). */
  advice?: string;
  /** When the problem began, when known better than "now" (last heartbeat, backup time). */
  since?: number;
}

export interface SentAlert {
  kind: 'alert' | 'recovered';
  at: string;
  messageId: string;
  to: string[];
}

export interface ConditionRecord {
  id: string;
  kind: ConditionKind;
  /** Last decided state; null until the first known observation. */
  status: 'ok' | 'alert' | null;
  /** Since when `status` holds (ISO). */
  since: string | null;
  /** Start of the problem that just ended (for the "back" email). */
  problemSince?: string | null;
  /** The latest observation, and its words (shown by GET /v1/alerts). */
  observed: Observed;
  note: string;
  checkedAt: string;
  /** Words of the observation that decided `status` (the email is composed from them). */
  message: { title: string; detail: string; advice?: string };
  /** An email decided but not sent yet. */
  pending?: 'alert' | 'recovered';
  lastSent: SentAlert | null;
}

export interface AlertsSnapshot {
  evaluatedAt: string | null;
  /** Owner addresses used by the last round. */
  to: string[];
  conditions: Record<string, ConditionRecord>;
}

const KEY = 'alerts:state';

export class AlertStateStore {
  readonly #redis: RedisConnection;

  constructor(redis: RedisConnection) {
    this.#redis = redis;
  }

  async load(): Promise<AlertsSnapshot> {
    const raw = await this.#redis.get(KEY);
    if (!raw) return { evaluatedAt: null, to: [], conditions: {} };
    try {
      const s = JSON.parse(raw) as AlertsSnapshot;
      return { evaluatedAt: s.evaluatedAt ?? null, to: s.to ?? [], conditions: s.conditions ?? {} };
    } catch {
      return { evaluatedAt: null, to: [], conditions: {} };
    }
  }

  async save(s: AlertsSnapshot): Promise<void> {
    await this.#redis.set(KEY, JSON.stringify(s));
  }
}
