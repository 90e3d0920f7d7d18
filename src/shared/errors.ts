/**
 * Errors that cross the IPC boundary. Main turns every failure into an {ok:false, error} envelope;
 * the renderer re-throws it as a FacteurError. `code` selects the plain-language message shown
 * to the owner (translated in the renderer); `params` fills it in.
 */
export const errorCodes = [
  'VALIDATION',
  'NOT_FOUND',
  'UNREACHABLE',
  'TIMEOUT',
  'AUTH_FAILED',
  'HOST_KEY_CHANGED',
  'HOST_KEY_UNCONFIRMED',
  'KEY_INVALID',
  'COMMAND_FAILED',
  'VAULT_LOCKED',
  'DNS_UPDATE_REFUSED',
  /** The server lacks the disk space a step needs (checked before anything is written). */
  'DISK_FULL',
  /** A command needs root and the SSH user's sudo asks for a password Facteur does not have yet. */
  'SUDO_PASSWORD_NEEDED',
  /** Facteur has not deployed its stack on that server yet. */
  'NOT_DEPLOYED',
  /** Backups are not set up for this server, or this laptop lacks its backup key. */
  'BACKUPS_OFF',
  /** A backup is damaged, truncated, or the backup key does not open it: nothing was restored from it. */
  'BACKUP_INVALID',
  /** A recovery kit passphrase too easy to guess (`reason`: short, repetitive, sequence, common). */
  'PASSPHRASE_WEAK',
  /** The passphrase typed twice differs. */
  'PASSPHRASE_MISMATCH',
  /** The passphrase does not open the recovery kit. */
  'KIT_WRONG_PASSPHRASE',
  /** The recovery kit file is damaged, cut short or not a kit. */
  'KIT_DAMAGED',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof errorCodes)[number];
export type ErrorParams = Record<string, string | number>;

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  params?: ErrorParams;
}

export class FacteurError extends Error {
  readonly code: ErrorCode;
  readonly params: ErrorParams;

  constructor(code: ErrorCode, message: string, params: ErrorParams = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FacteurError';
    this.code = code;
    this.params = params;
  }

  toBody(): ErrorBody {
    return { code: this.code, message: this.message, params: this.params };
  }
}

export type Envelope<T> = { ok: true; value: T } | { ok: false; error: ErrorBody };

/** Any thrown value becomes an error body; unknown errors never leak internals beyond their message. */
export function toErrorBody(err: unknown): ErrorBody {
  if (err instanceof FacteurError) return err.toBody();
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'INTERNAL', message };
}

export function unwrapEnvelope<T>(envelope: Envelope<T>): T {
  if (envelope.ok) return envelope.value;
  throw new FacteurError(envelope.error.code, envelope.error.message, envelope.error.params ?? {});
}
