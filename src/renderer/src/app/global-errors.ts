import { useSyncExternalStore } from 'react';

/** Errors nobody handled locally end up here and are shown in one banner. */
let current: unknown = null;
const listeners = new Set<() => void>();

export function reportError(err: unknown): void {
  current = err;
  for (const l of listeners) l();
}

export function clearError(): void {
  reportError(null);
}

export function useGlobalError(): unknown {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => current,
  );
}
