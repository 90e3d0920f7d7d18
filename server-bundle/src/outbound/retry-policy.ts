// When a deferred message is tried again, and when it is given up. All from configuration
// (outbound.retry), so the 5-day production policy runs in seconds in tests.

export interface RetrySettings {
  firstDelayMs: number;
  factor: number;
  maxDelayMs: number;
  giveUpAfterMs: number;
  delayNoticeAfterMs: number;
}

/** Delay before attempt `failedAttempts + 1`: first * factor^(n-1), capped. */
export function retryDelayMs(failedAttempts: number, s: RetrySettings): number {
  const n = Math.max(1, failedAttempts);
  return Math.min(s.maxDelayMs, Math.round(s.firstDelayMs * Math.pow(Math.max(1, s.factor), n - 1)));
}

/** The times (ms after queueing) of every attempt the policy makes before giving up. */
export function retrySchedule(s: RetrySettings): number[] {
  const out = [0];
  for (let n = 1; ; n++) {
    const next = out[out.length - 1]! + retryDelayMs(n, s);
    if (next >= s.giveUpAfterMs) break;
    out.push(next);
    if (out.length > 10_000) break;
  }
  return out;
}

export function expired(queuedAt: number, now: number, s: RetrySettings): boolean {
  return now - queuedAt >= s.giveUpAfterMs;
}

export function dueForDelayNotice(queuedAt: number, now: number, s: RetrySettings): boolean {
  return (
    s.delayNoticeAfterMs > 0 &&
    now - queuedAt >= s.delayNoticeAfterMs &&
    s.delayNoticeAfterMs < s.giveUpAfterMs
  );
}
