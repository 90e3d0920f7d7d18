import type { TFunction } from 'i18next';
import { FacteurError } from '../../../../shared/errors';
import { describeError } from '../../app/errors';

/** Mail administration failures carry a `reason` with its own translated sentence (mail.errors.*). */
export function describeMailError(t: TFunction, err: unknown): string {
  if (err instanceof FacteurError && typeof err.params.reason === 'string') {
    const key = `mail.errors.${err.params.reason}`;
    const text = t(key, { ...err.params, defaultValue: '' });
    if (text) return text;
  }
  return describeError(t, err);
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
