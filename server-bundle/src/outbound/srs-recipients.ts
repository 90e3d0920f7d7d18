// The MX side of SRS: a bounce (or reply) to one of our SRS0 addresses is accepted and forwarded
// to the original sender through the outbound queue; a forged or expired one is unknown (550).
import type { AcceptedRecipient } from '../domain/delivery.ts';
import { DomainError } from '../domain/errors.ts';
import { Srs, SrsError } from './srs.ts';

export interface SrsReverse {
  /** undefined: not an SRS address of ours (resolve it normally). */
  resolve(rcptTo: string): AcceptedRecipient | undefined;
}

export function srsReverse(srs: Srs): SrsReverse {
  return {
    resolve(rcptTo) {
      if (!srs.isSrs(rcptTo)) return undefined;
      try {
        return { rcptTo, resolution: { mailboxes: [], forwards: [srs.reverse(rcptTo)] } };
      } catch (err) {
        if (err instanceof SrsError) throw new DomainError('NO_SUCH_RECIPIENT', err.message);
        throw err;
      }
    },
  };
}
