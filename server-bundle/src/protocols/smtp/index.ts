// SMTP roles: MX (25) and submission (587 STARTTLS, 465 TLS). See smtp-roles.ts.
export { startMx, startSubmission } from './smtp-roles.ts';
export type {
  ListenAddress,
  MxOptions,
  RunningRole,
  SmtpCommonOptions,
  SmtpDeps,
  SubmissionOptions,
} from './smtp-roles.ts';
export { SmtpError, toSmtpError } from './smtp-errors.ts';
