// Sender Rewriting Scheme for aliases that forward outside: the envelope sender of a forwarded
// message becomes an address of ours, so the next hop's SPF check sees our domain (and passes),
// and a bounce comes back to us, where reverse() recovers the original sender.
//   SRS0=HHHH=TT=orig-domain=orig-local@srs-domain
// HHHH: HMAC-SHA256 (base32, 4 chars) over timestamp, domain and local part (case-insensitive);
// TT: days mod 1024 in base32. Forwarding an SRS0 address again keeps it (no SRS1 chains needed
// for a single hop; a second hop rewrites the whole address again).
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { configDbKeyOf, type ServerSecrets } from '../storage/server-secrets.ts';

const B32 = 'abcdefghijklmnopqrstuvwxyz234567';
const DAY = 86_400_000;

function base32(buf: Buffer, chars: number): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of buf) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < chars) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length >= chars) break;
  }
  return out;
}

export class SrsError extends Error {
  override name = 'SrsError';
}

export class Srs {
  readonly domain: string;
  readonly #key: Buffer;
  readonly #maxAgeDays: number;
  readonly #now: () => number;

  constructor(opts: { key: Buffer; domain: string; maxAgeDays?: number; now?: () => number }) {
    this.#key = opts.key;
    this.domain = opts.domain.toLowerCase();
    this.#maxAgeDays = opts.maxAgeDays ?? 21;
    this.#now = opts.now ?? Date.now;
  }

  /** The SRS key: `srsSecret` (hex) in secrets.json, else derived from the server key. */
  static keyFromSecrets(secrets: ServerSecrets): Buffer {
    if (typeof secrets.srsSecret === 'string') return Buffer.from(secrets.srsSecret, 'hex');
    const k = configDbKeyOf(secrets);
    try {
      return Buffer.from(hkdfSync('sha256', k, Buffer.alloc(0), 'facteur/srs/v1', 32));
    } finally {
      k.fill(0);
    }
  }

  #hash(ts: string, domain: string, local: string): string {
    return base32(
      createHmac('sha256', this.#key).update(`${ts}\0${domain}\0${local}`.toLowerCase()).digest(),
      4,
    );
  }

  #stamp(): string {
    const day = Math.floor(this.#now() / DAY) % 1024;
    return B32[day >> 5]! + B32[day & 31]!;
  }

  /** Rewrites `sender` (null sender and our own SRS addresses are kept). */
  forward(sender: string): string {
    if (!sender) return sender;
    if (this.isSrs(sender)) return sender;
    const at = sender.lastIndexOf('@');
    if (at <= 0) return sender;
    const local = sender.slice(0, at);
    const domain = sender.slice(at + 1);
    const ts = this.#stamp();
    return `SRS0=${this.#hash(ts, domain, local)}=${ts}=${domain}=${local}@${this.domain}`;
  }

  isSrs(address: string): boolean {
    return /^srs0=/i.test(address) && address.toLowerCase().endsWith(`@${this.domain}`);
  }

  /** The original sender of an SRS0 address of ours; throws SrsError when forged or too old. */
  reverse(address: string): string {
    const at = address.lastIndexOf('@');
    if (at <= 0 || address.slice(at + 1).toLowerCase() !== this.domain)
      throw new SrsError('not an SRS address of this server');
    const m = /^srs0=([^=]{4})=([^=]{2})=([^=]+)=(.+)$/i.exec(address.slice(0, at));
    if (!m) throw new SrsError('malformed SRS address');
    const [, hash, ts, domain, local] = m as unknown as [string, string, string, string, string];
    const expect = Buffer.from(this.#hash(ts, domain, local));
    const got = Buffer.from(hash.toLowerCase());
    if (got.length !== expect.length || !timingSafeEqual(got, expect))
      throw new SrsError('SRS hash mismatch');
    const stampDay = B32.indexOf(ts[0]!.toLowerCase()) * 32 + B32.indexOf(ts[1]!.toLowerCase());
    const today = Math.floor(this.#now() / DAY) % 1024;
    const age = (today - stampDay + 1024) % 1024;
    if (stampDay < 0 || age > this.#maxAgeDays) throw new SrsError('SRS address expired');
    return `${local}@${domain}`;
  }
}
