// The one place where SMTP reply codes are decided. Handlers throw DomainError (or the throttle's
// LoginThrottledError, or one of the protocol refusals below); toSmtpError() turns each into the
// reply the client sees. Messages carry their RFC 3463 enhanced status code themselves.
import { DomainError } from '../../domain/errors.ts';
import { LoginThrottledError } from '../../security/login-throttle.ts';
import { PolicyRefusal } from '../../security/policy-refusal.ts';

export type SmtpStage = 'connect' | 'auth' | 'mail' | 'rcpt' | 'data';
export type SmtpRole = 'mx' | 'submission';

/** Read by smtp-server: `responseCode` is the reply code, `message` its text. */
export class SmtpError extends Error {
  override name = 'SmtpError';
  readonly responseCode: number;
  constructor(responseCode: number, message: string, options?: ErrorOptions) {
    super(message, options);
    this.responseCode = responseCode;
  }
}

/** Refusals decided by the SMTP front-end itself (no domain error behind them). */
export const Refusals = {
  relayDenied: () => new SmtpError(554, '5.7.1 Relay access denied'),
  tlsRequired: () => new SmtpError(530, '5.7.0 Must issue a STARTTLS command first'),
  authRequired: () => new SmtpError(530, '5.7.0 Authentication required'),
  senderNotOwned: () => new SmtpError(553, '5.7.1 Sender address not owned by the authenticated user'),
  badSender: () => new SmtpError(501, '5.1.7 Bad sender address syntax'),
  badRecipient: () => new SmtpError(501, '5.1.3 Bad recipient address syntax'),
  authMethod: () => new SmtpError(504, '5.5.4 Unrecognized authentication type'),
} as const;

function throttled(err: LoginThrottledError): SmtpError {
  const s = Math.max(1, Math.ceil(err.retryAfterMs / 1000));
  // 421 closes the connection: a blocked client has nothing more to do here.
  return new SmtpError(421, `4.7.0 Too many failed logins from your address, try again in ${s} seconds`, {
    cause: err,
  });
}

function refused(err: PolicyRefusal): SmtpError {
  const d = err.detail.replace(/[\r\n]+/g, ' ').slice(0, 200);
  switch (err.code) {
    case 'TOO_MANY_CONNECTIONS':
      return new SmtpError(421, `4.7.0 Too many connections from your address, try again later`, {
        cause: err,
      });
    case 'DNSBL_LISTED':
      return new SmtpError(554, `5.7.1 Service unavailable; client host listed by ${d}`, { cause: err });
    case 'FORGED_HELO':
      return new SmtpError(550, `5.7.1 HELO/EHLO name ${d} refused: you are not this server`, { cause: err });
    case 'RATE_LIMITED':
      return new SmtpError(450, `4.7.1 Too many messages from your address, slow down and try again later`, {
        cause: err,
      });
    case 'GREYLISTED':
      return new SmtpError(451, `4.7.1 Greylisted, please try again later`, { cause: err });
    case 'DMARC_REJECT':
      return new SmtpError(550, `5.7.1 Message rejected by the DMARC policy of ${d}`, { cause: err });
    case 'SPAM':
      return new SmtpError(550, `5.7.1 Message refused as spam`, { cause: err });
    case 'SENDING_LIMIT':
      return new SmtpError(450, `4.7.1 Sending limit reached (${d}), try again later`, { cause: err });
  }
}

export interface TranslateContext {
  stage: SmtpStage;
  role: SmtpRole;
}

/**
 * Any error thrown while handling a command -> the reply to send. Unknown errors become a
 * temporary failure (451): the client keeps the message and retries; nothing is lost.
 */
export function toSmtpError(err: unknown, ctx: TranslateContext): SmtpError {
  if (err instanceof SmtpError) return err;
  if (err instanceof LoginThrottledError) return throttled(err);
  if (err instanceof PolicyRefusal) return refused(err);
  if (err instanceof DomainError) {
    switch (err.code) {
      case 'AUTH_FAILED':
        return new SmtpError(535, '5.7.8 Authentication credentials invalid', { cause: err });
      case 'DISABLED':
        return ctx.stage === 'auth'
          ? new SmtpError(535, '5.7.8 Authentication credentials invalid', { cause: err })
          : new SmtpError(550, '5.2.1 Mailbox disabled', { cause: err });
      case 'NO_SUCH_RECIPIENT':
        return new SmtpError(550, '5.1.1 No such user here', { cause: err });
      case 'NOT_LOCAL':
        return new SmtpError(554, '5.7.1 Relay access denied', { cause: err });
      case 'OVER_QUOTA':
        // At RCPT the sender may retry later (the user may make room); once the data is in, 552.
        return ctx.stage === 'rcpt'
          ? new SmtpError(452, '4.2.2 Mailbox full, try again later', { cause: err })
          : new SmtpError(552, '5.2.2 Mailbox full', { cause: err });
      case 'TOO_LARGE':
        return new SmtpError(552, '5.3.4 Message size exceeds fixed maximum message size', { cause: err });
      case 'TEMPORARY':
        return new SmtpError(451, '4.3.0 Temporary local problem, please try again later', { cause: err });
    }
  }
  if (
    (err as { name?: string } | null)?.name === 'ConfigError' &&
    (err as { code?: string }).code === 'INVALID'
  ) {
    return ctx.stage === 'mail' ? Refusals.badSender() : Refusals.badRecipient();
  }
  if (ctx.stage === 'auth')
    return new SmtpError(454, '4.7.0 Temporary authentication failure', { cause: err });
  return new SmtpError(451, '4.3.0 Temporary local problem, please try again later', { cause: err });
}
