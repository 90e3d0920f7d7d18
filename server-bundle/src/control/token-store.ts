// The control API's bearer token. Only its SHA-256 is kept (in the encrypted config DB): the token
// is 256 random bits, so a plain hash is as good as a slow KDF and checks in microseconds. Issuing
// a new token replaces the old one at once (rotation). The plaintext leaves the server once: in the
// reply to `facteur-server control-token` (run by the desktop over SSH) or to POST /v1/token/rotate.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ConfigStore } from '../storage/config-store.ts';

const SETTING = 'control.token';
export const TOKEN_PREFIX = 'fct_';
const TOKEN_SHAPE = /^fct_[A-Za-z0-9_-]{43}$/;

interface StoredToken {
  sha256: string;
  issuedAt: string;
}

const sha256 = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

export class ControlTokens {
  readonly #config: ConfigStore;

  constructor(config: ConfigStore) {
    this.#config = config;
  }

  /** A new token; the previous one stops working immediately. */
  issue(): string {
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const stored: StoredToken = { sha256: sha256(token).toString('hex'), issuedAt: new Date().toISOString() };
    this.#config.setSetting(SETTING, JSON.stringify(stored));
    return token;
  }

  /** Constant-time check (same work for a missing, malformed or wrong token). */
  verify(token: string | undefined): boolean {
    const raw = this.#config.getSetting(SETTING);
    const expected = raw ? Buffer.from((JSON.parse(raw) as StoredToken).sha256, 'hex') : randomBytes(32);
    const given = sha256(token ?? '');
    return timingSafeEqual(given, expected) && !!raw && TOKEN_SHAPE.test(token ?? '');
  }

  issuedAt(): string | undefined {
    const raw = this.#config.getSetting(SETTING);
    return raw ? (JSON.parse(raw) as StoredToken).issuedAt : undefined;
  }
}
