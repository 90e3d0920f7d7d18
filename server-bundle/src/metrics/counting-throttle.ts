// Counts failed logins for the metrics without touching the protocols: every protocol (SMTP AUTH,
// IMAP, POP3) reports a failed login to the shared login throttle, so the throttle is wrapped.
import type { LoginThrottle } from '../security/login-throttle.ts';
import type { Counters } from './counters.ts';

export function countingFailedLogins(throttle: LoginThrottle, counters: Counters): LoginThrottle {
  return {
    check: (ip) => throttle.check(ip),
    assertAllowed: (ip) => throttle.assertAllowed(ip),
    recordSuccess: (ip) => throttle.recordSuccess(ip),
    recordFailure(ip) {
      counters.increment('logins_failed');
      return throttle.recordFailure(ip);
    },
  };
}
