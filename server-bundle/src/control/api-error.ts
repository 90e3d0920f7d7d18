// Errors of the control API: every failure leaves as { error: { code, message } } with an HTTP
// status. Domain and storage errors are translated here, in one place. Messages never echo
// request values (a password or key could be one of them).
import { BackupError } from '../backup/backup-errors.ts';
import { WrongSecretError } from '../crypto/key-wraps.ts';
import { DkimError } from '../dkim/dkim-keys.ts';
import { DomainError } from '../domain/errors.ts';
import { ConfigError } from '../storage/config-store.ts';

export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string>;
  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

export const UNAUTHORIZED_BODY = JSON.stringify({
  error: { code: 'UNAUTHORIZED', message: 'a valid bearer token is required' },
});

export function notFound(what: string): ApiError {
  return new ApiError(404, 'NOT_FOUND', `${what} not found`);
}

export function invalid(message: string): ApiError {
  return new ApiError(400, 'INVALID', message);
}

const CONFIG_STATUS: Record<ConfigError['code'], [number, string]> = {
  NOT_FOUND: [404, 'NOT_FOUND'],
  EXISTS: [409, 'EXISTS'],
  INVALID: [400, 'INVALID'],
};

const DKIM_STATUS: Record<DkimError['code'], [number, string]> = {
  NOT_FOUND: [404, 'NOT_FOUND'],
  EXISTS: [409, 'EXISTS'],
  INVALID: [400, 'INVALID'],
  ACTIVE: [409, 'ACTIVE_KEY'],
};

// Backup engine failures keep their words (written for the owner, never holding a key).
const BACKUP_STATUS: Record<BackupError['code'], number> = {
  NOT_CONFIGURED: 409,
  INVALID: 400,
  WRONG_KEY: 403,
  REPO_MISSING: 404,
  CORRUPT: 422,
  LOCKED: 409,
  BUSY: 409,
  UNREACHABLE: 502,
  DISK_FULL: 507,
  NOT_FOUND: 404,
  FAILED: 500,
};

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof ConfigError) {
    const [status, code] = CONFIG_STATUS[err.code];
    return new ApiError(status, code, err.message);
  }
  if (err instanceof DkimError) {
    const [status, code] = DKIM_STATUS[err.code];
    return new ApiError(status, code, err.message);
  }
  if (err instanceof DomainError) {
    if (err.code === 'AUTH_FAILED') return new ApiError(403, 'AUTH_FAILED', 'wrong password');
    if (err.code === 'DISABLED') return new ApiError(409, 'DISABLED', 'the mailbox is disabled');
    if (err.code === 'TEMPORARY') return new ApiError(503, 'TEMPORARY', 'temporarily unavailable, retry');
    return new ApiError(400, err.code, err.message);
  }
  if (err instanceof BackupError) return new ApiError(BACKUP_STATUS[err.code], err.code, err.message);
  if (err instanceof WrongSecretError) return new ApiError(403, 'AUTH_FAILED', 'wrong password');
  return new ApiError(500, 'INTERNAL', 'internal error');
}
