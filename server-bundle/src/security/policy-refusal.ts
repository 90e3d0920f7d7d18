// Refusals decided by mail policy rather than by the directory: anti-abuse checks of the MX role
// and the sending limits of submission. Each carries a code; smtp-errors.ts turns it into the
// SMTP reply (the one place where reply codes are decided).
export type PolicyRefusalCode =
  | 'TOO_MANY_CONNECTIONS' // 421 4.7.0 at connect
  | 'DNSBL_LISTED' // 554 5.7.1 at connect
  | 'FORGED_HELO' // 550 5.7.1 at MAIL
  | 'RATE_LIMITED' // 450 4.7.1 at MAIL (per client address)
  | 'GREYLISTED' // 451 4.7.1 at RCPT
  | 'DMARC_REJECT' // 550 5.7.1 at DATA (the author domain's p=reject)
  | 'SPAM' // 550 5.7.1 at DATA (score above rejectAbove)
  | 'SENDING_LIMIT'; // 450 4.7.1 at MAIL (submission: the user's hourly/daily limit)

export class PolicyRefusal extends Error {
  override name = 'PolicyRefusal';
  readonly code: PolicyRefusalCode;
  /** Safe to show the client (no secrets, no content). */
  readonly detail: string;
  constructor(code: PolicyRefusalCode, detail: string) {
    super(`${code}: ${detail}`);
    this.code = code;
    this.detail = detail;
  }
}
