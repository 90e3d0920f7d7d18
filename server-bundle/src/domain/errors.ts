// Errors the domain raises, each with a code that protocol front-ends translate in one place
// (SMTP reply code, IMAP NO [CODE], POP3 -ERR [TAG]).
export type DomainErrorCode =
  | 'AUTH_FAILED' // wrong address or password: SMTP 535, IMAP NO [AUTHENTICATIONFAILED], POP3 -ERR [AUTH]
  | 'DISABLED' // mailbox disabled: SMTP 550 / 535, IMAP NO [AUTHORIZATIONFAILED]
  | 'NO_SUCH_RECIPIENT' // SMTP 550 5.1.1 at RCPT
  | 'NOT_LOCAL' // domain not served here: SMTP 554 relay denied (MX) / queue (submission)
  | 'OVER_QUOTA' // SMTP 452 4.2.2 (or 552 5.2.2 when the message alone exceeds it), IMAP NO [OVERQUOTA]
  | 'TOO_LARGE' // SMTP 552 5.3.4
  | 'TEMPORARY'; // storage trouble: SMTP 451, IMAP NO [UNAVAILABLE]

export class DomainError extends Error {
  override name = 'DomainError';
  readonly code: DomainErrorCode;
  constructor(code: DomainErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}
