import type { TFunction } from 'i18next';

/** "45 s", "3 min 10 s": rounded, for an owner reading a progress line. */
export function formatDuration(t: TFunction, seconds: number): string {
  const s = Math.max(1, Math.round(seconds));
  if (s < 60) return t('deploy.duration.seconds', { count: s });
  return t('deploy.duration.minutes', { minutes: Math.floor(s / 60), seconds: s % 60 });
}
