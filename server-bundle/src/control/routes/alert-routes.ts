// Alert emails to the owner (sent by the jobs role, src/alerts):
//   GET /v1/alerts            { enabled, to, evaluatedAt, conditions: [{ id, kind, status, since,
//                               observed, note, checkedAt, pending, lastSent }] }
//   PUT /v1/alerts/settings {to: [addresses]}   { to }   ([] turns the emails off)
import {
  ALERTS_TO_SETTING,
  MAX_ALERT_RECIPIENTS,
  writeAlertRecipients,
} from '../../alerts/alert-settings.ts';
import { AlertStateStore } from '../../alerts/alert-state.ts';
import { invalid } from '../api-error.ts';
import type { ControlDeps } from '../control-deps.ts';
import type { Router } from '../router.ts';
import { list, object, parseBody, str } from '../validate.ts';

const settingsBody = object({ to: list(str({ max: 254 }), { min: 0, max: MAX_ALERT_RECIPIENTS }) });

export function registerAlertRoutes(router: Router, deps: ControlDeps): void {
  const store = new AlertStateStore(deps.redis);

  router.get('/v1/alerts', async () => {
    const snap = await store.load();
    const stored = deps.core.config.getSetting(ALERTS_TO_SETTING);
    // Until the owner sets a list here, the jobs role uses the config file's, reported each round.
    const to = stored !== undefined ? (JSON.parse(stored) as string[]) : snap.to;
    return {
      body: {
        enabled: to.length > 0,
        to,
        evaluatedAt: snap.evaluatedAt,
        conditions: Object.values(snap.conditions)
          .sort((a, b) => a.id.localeCompare(b.id))
          .map((c) => ({
            id: c.id,
            kind: c.kind,
            status: c.status,
            since: c.since,
            observed: c.observed,
            note: c.note,
            checkedAt: c.checkedAt,
            pending: c.pending ?? null,
            lastSent: c.lastSent,
          })),
      },
    };
  });

  router.put('/v1/alerts/settings', ({ body }) => {
    const { to } = parseBody(settingsBody, body);
    let saved: string[];
    try {
      saved = writeAlertRecipients(deps.core.config, to);
    } catch {
      throw invalid('to must list e-mail addresses');
    }
    deps.log.info('control.alert_settings_changed', { recipients: saved.length });
    return { body: { to: saved } };
  });
}
