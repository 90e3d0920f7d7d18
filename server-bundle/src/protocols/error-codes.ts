// The one place where failures become protocol answers: DomainError / FolderError / throttling ->
// IMAP tagged NO [CODE] (RFC 5530 response codes) and POP3 -ERR [CODE] (RFC 2449/3206).
// Anything unexpected is a server bug: the client sees a generic answer, the log gets the error.
import { DomainError, type DomainErrorCode } from '../domain/errors.ts';
import { LoginThrottledError } from '../security/login-throttle.ts';
import { FolderError } from '../storage/mailbox-store.ts';

export interface ImapFailure {
  response: 'NO' | 'BAD';
  /** RFC 5530 response code, without brackets */
  code: string;
  message: string;
  /** true when the error was not an expected refusal (worth logging as an error) */
  unexpected: boolean;
}

/** Raised by a protocol front-end itself (e.g. a maildrop held by another POP3 session). */
export class ProtocolRefusal extends Error {
  override name = 'ProtocolRefusal';
  readonly reason: 'IN_USE' | 'NOT_ALLOWED' | 'INVALID';
  constructor(reason: ProtocolRefusal['reason'], message: string) {
    super(message);
    this.reason = reason;
  }
}

const DOMAIN_TO_IMAP: Record<DomainErrorCode, { code: string; message: string }> = {
  AUTH_FAILED: { code: 'AUTHENTICATIONFAILED', message: 'Invalid credentials' },
  DISABLED: { code: 'AUTHORIZATIONFAILED', message: 'This mailbox is disabled' },
  NO_SUCH_RECIPIENT: { code: 'NONEXISTENT', message: 'No such mailbox' },
  NOT_LOCAL: { code: 'NONEXISTENT', message: 'Not a local mailbox' },
  OVER_QUOTA: { code: 'OVERQUOTA', message: 'Mailbox is full' },
  TOO_LARGE: { code: 'TOOBIG', message: 'Message too large' },
  TEMPORARY: { code: 'UNAVAILABLE', message: 'Temporarily unavailable, try again' },
};

function retryText(ms: number): string {
  return `retry in ${Math.max(1, Math.ceil(ms / 1000))} s`;
}

export function toImapFailure(err: unknown): ImapFailure {
  if (err instanceof LoginThrottledError) {
    return {
      response: 'NO',
      code: 'UNAVAILABLE',
      message: `Too many failed logins, ${retryText(err.retryAfterMs)}`,
      unexpected: false,
    };
  }
  if (err instanceof DomainError) {
    return { response: 'NO', ...DOMAIN_TO_IMAP[err.code], unexpected: err.code === 'TEMPORARY' };
  }
  if (err instanceof FolderError) {
    const message =
      err.code === 'NONEXISTENT'
        ? 'No such folder'
        : err.code === 'ALREADYEXISTS'
          ? 'Folder already exists'
          : err.message;
    return { response: 'NO', code: err.code, message, unexpected: false };
  }
  if (err instanceof ProtocolRefusal) {
    const code = err.reason === 'IN_USE' ? 'INUSE' : err.reason === 'INVALID' ? 'CLIENTBUG' : 'NOPERM';
    return { response: 'NO', code, message: err.message, unexpected: false };
  }
  return { response: 'NO', code: 'SERVERBUG', message: 'Internal server error', unexpected: true };
}

export interface Pop3Failure {
  /** Text after "-ERR " */
  text: string;
  /** Close the connection after answering (refusals before login keep it open) */
  close: boolean;
  unexpected: boolean;
}

export function toPop3Failure(err: unknown): Pop3Failure {
  if (err instanceof LoginThrottledError) {
    return {
      text: `[LOGIN-DELAY] Too many failed logins, ${retryText(err.retryAfterMs)}`,
      close: true,
      unexpected: false,
    };
  }
  if (err instanceof DomainError) {
    switch (err.code) {
      case 'AUTH_FAILED':
        return { text: '[AUTH] Invalid credentials', close: false, unexpected: false };
      case 'DISABLED':
        return { text: '[AUTH] This mailbox is disabled', close: false, unexpected: false };
      case 'TEMPORARY':
        return { text: '[SYS/TEMP] Temporarily unavailable, try again', close: true, unexpected: true };
      default:
        return { text: `[SYS/PERM] ${DOMAIN_TO_IMAP[err.code].message}`, close: false, unexpected: false };
    }
  }
  if (err instanceof ProtocolRefusal) {
    return {
      text: err.reason === 'IN_USE' ? `[IN-USE] ${err.message}` : err.message,
      close: true,
      unexpected: false,
    };
  }
  return { text: '[SYS/TEMP] Internal server error', close: true, unexpected: true };
}
