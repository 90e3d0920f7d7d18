// The owner addresses alert emails go to. The config file's alerts.to is the default; the
// control API (PUT /v1/alerts/settings) stores its own list in the encrypted config DB, which
// then wins (an empty list turns the emails off). The jobs role reads it every round.
import { normalizeAddress } from '../domain/directory.ts';
import type { ConfigStore } from '../storage/config-store.ts';

export const ALERTS_TO_SETTING = 'alerts.to';
export const MAX_ALERT_RECIPIENTS = 10;

export function readAlertRecipients(config: ConfigStore, fallback: readonly string[]): string[] {
  const stored = config.getSetting(ALERTS_TO_SETTING);
  if (stored !== undefined) {
    try {
      const list = JSON.parse(stored) as unknown;
      if (Array.isArray(list)) return list.filter((x): x is string => typeof x === 'string');
    } catch {
      // a damaged value falls back to the config file
    }
  }
  return fallback.map((a) => normalizeAddress(a));
}

/** Normalizes and stores the list; throws on an address that is not one. */
export function writeAlertRecipients(config: ConfigStore, to: readonly string[]): string[] {
  const list = [...new Set(to.map((a) => normalizeAddress(a)))];
  config.setSetting(ALERTS_TO_SETTING, JSON.stringify(list));
  return list;
}
