import type { TFunction } from 'i18next';
import { FacteurError } from '../../../shared/errors';

/** The owner-facing sentence for any error: translated by code, English detail as fallback. */
export function describeError(t: TFunction, err: unknown): string {
  if (err instanceof FacteurError) {
    const detail = err.message;
    return t(`errors.${err.code}`, { ...err.params, detail, defaultValue: detail });
  }
  return err instanceof Error ? err.message : String(err);
}
