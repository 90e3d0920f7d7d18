import type { StatusCheck, StatusCheckId } from '../../../shared/status';

/** Builds one status check; `fix` is kept only when something is to be done. */
export function check(
  id: StatusCheckId,
  status: StatusCheck['status'],
  reason: string,
  value: string,
  message: string,
  fix?: string,
  params: StatusCheck['params'] = {},
): StatusCheck {
  return { id, status, reason, value, message, params: { value, ...params }, ...(fix ? { fix } : {}) };
}

/** Percent thresholds for disk and memory: warn above the first, fail above the second. */
export const HEADROOM = { warnPercent: 80, failPercent: 90 } as const;
/** A certificate closer to its end than this many days is renewed late: warn (and alert). */
export const CERTIFICATE_WARN_DAYS = 14;
