// One email per state change. Each round observes every condition; a known observation that
// differs from the remembered state is a transition: ok -> alert sends "… is down", alert -> ok
// sends "… is back", and the very first observation sends nothing when it is ok. Unknown
// observations change nothing. Transitions are saved (pending) before the email goes out and
// marked sent after; a failed send is retried next round, and a transition undone before its
// email left (down then up again) cancels it. Rounds never overlap.
import type { Logger } from '../log/logger.ts';
import type { AlertStateStore, ConditionRecord, Observation } from './alert-state.ts';
import { composeAlertEmail } from './alert-message.ts';
import { startRounds, type PeriodicRounds } from '../jobs/periodic-rounds.ts';

export interface AlertsEngineDeps {
  store: AlertStateStore;
  observe(now: number): Promise<Observation[]>;
  /** Owner addresses this round ([] = state is kept, no email). */
  recipients(): string[];
  send(to: readonly string[], raw: Buffer): Promise<unknown>;
  hostname: string;
  from(): string;
  log: Logger;
  now?: () => number;
}

export interface RoundOutcome {
  sent: Array<{ id: string; kind: 'alert' | 'recovered'; messageId: string }>;
  failed: string[];
}

const iso = (ms: number) => new Date(ms).toISOString();

function applyObservation(prev: ConditionRecord | undefined, obs: Observation, now: number): ConditionRecord {
  const rec: ConditionRecord = prev
    ? { ...prev }
    : {
        id: obs.id,
        kind: obs.kind,
        status: null,
        since: null,
        observed: obs.observed,
        note: obs.detail,
        checkedAt: iso(now),
        message: { title: obs.title, detail: obs.detail },
        lastSent: null,
      };
  rec.observed = obs.observed;
  rec.note = obs.detail;
  rec.checkedAt = iso(now);
  if (obs.observed === 'unknown' || obs.observed === rec.status) return rec;
  const was = rec.status;
  rec.problemSince = obs.observed === 'ok' ? rec.since : null;
  rec.status = obs.observed;
  rec.since = iso(obs.observed === 'alert' ? Math.min(obs.since ?? now, now) : now);
  rec.message = { title: obs.title, detail: obs.detail, ...(obs.advice ? { advice: obs.advice } : {}) };
  if (was === null && obs.observed === 'ok') return rec; // first observation, all fine: nothing to say
  // A change undoing one whose email has not left yet cancels it (neither is sent).
  if (rec.pending) delete rec.pending;
  else rec.pending = obs.observed === 'alert' ? 'alert' : 'recovered';
  return rec;
}

export async function alertRound(deps: AlertsEngineDeps): Promise<RoundOutcome> {
  const now = (deps.now ?? Date.now)();
  const observations = await deps.observe(now);
  const snap = await deps.store.load();
  const to = deps.recipients();
  snap.evaluatedAt = iso(now);
  snap.to = to;
  for (const obs of observations)
    snap.conditions[obs.id] = applyObservation(snap.conditions[obs.id], obs, now);
  await deps.store.save(snap);

  const outcome: RoundOutcome = { sent: [], failed: [] };
  for (const rec of Object.values(snap.conditions)) {
    if (!rec.pending) continue;
    const kind = rec.pending;
    if (!to.length) {
      delete rec.pending; // alerts are off: the state is kept, nothing is owed later
      deps.log.info('alerts.not_sent', { id: rec.id, kind, reason: 'no owner address' });
      continue;
    }
    const since = Date.parse((kind === 'alert' ? rec.since : rec.problemSince) ?? iso(now));
    const email = composeAlertEmail({
      hostname: deps.hostname,
      from: deps.from(),
      to,
      kind,
      ...rec.message,
      since,
      now,
    });
    try {
      await deps.send(to, email.raw);
    } catch (err) {
      outcome.failed.push(rec.id);
      deps.log.warn('alerts.send_failed', { id: rec.id, kind, err });
      continue;
    }
    delete rec.pending;
    rec.lastSent = { kind, at: iso(now), messageId: email.messageId, to };
    outcome.sent.push({ id: rec.id, kind, messageId: email.messageId });
    deps.log.info('alerts.sent', { id: rec.id, kind, recipients: to.length });
  }
  if (outcome.sent.length || outcome.failed.length || !to.length) await deps.store.save(snap);
  return outcome;
}

export type RunningAlerts = PeriodicRounds<RoundOutcome>;

export function startAlertsLoop(deps: AlertsEngineDeps, opts: { intervalMs: number }): RunningAlerts {
  return startRounds(async () => {
    try {
      return await alertRound(deps);
    } catch (err) {
      deps.log.warn('alerts.round_failed', { err });
      return { sent: [], failed: [] };
    }
  }, opts.intervalMs);
}
