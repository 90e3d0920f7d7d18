/**
 * TSIG (RFC 8945): HMAC-SHA256 signatures on DNS messages, for dynamic updates. Works on the
 * message bytes as sent; a response is verified against the MAC of the request it answers.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { CLASS_ANY, encodeName, readName } from './dns-wire';
import { normalizeName } from './names';

export interface TsigKey {
  /** The key's name, as the DNS server knows it (e.g. facteur-update.example.org). */
  name: string;
  algorithm: 'hmac-sha256';
  secret: Buffer;
}

const TYPE_TSIG = 250;
const ALGORITHM_NAME = { 'hmac-sha256': 'hmac-sha256' } as const;
export const TSIG_ERRORS: Record<number, string> = {
  16: 'BADSIG',
  17: 'BADKEY',
  18: 'BADTIME',
  22: 'BADTRUNC',
};

function u48(seconds: number): Buffer {
  const b = Buffer.alloc(6);
  b.writeUInt16BE(Math.floor(seconds / 2 ** 32), 0);
  b.writeUInt32BE(seconds % 2 ** 32, 2);
  return b;
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n, 0);
  return b;
}

interface TsigFields {
  keyName: string;
  algorithm: string;
  timeSigned: number;
  fudge: number;
  error: number;
  other: Buffer;
}

/** The "TSIG variables" of RFC 8945 §4.3.3, names in canonical (lower-case, uncompressed) form. */
function variables(f: TsigFields): Buffer {
  const classTtl = Buffer.alloc(6);
  classTtl.writeUInt16BE(CLASS_ANY, 0);
  return Buffer.concat([
    encodeName(f.keyName),
    classTtl,
    encodeName(f.algorithm),
    u48(f.timeSigned),
    u16(f.fudge),
    u16(f.error),
    u16(f.other.length),
    f.other,
  ]);
}

function hmac(key: TsigKey, parts: Buffer[]): Buffer {
  const h = createHmac('sha256', key.secret);
  for (const p of parts) h.update(p);
  return h.digest();
}

/** Appends a TSIG record to `message` (ARCOUNT + 1); returns the signed bytes and the MAC. */
export function signMessage(
  message: Buffer,
  key: TsigKey,
  opts: { timeSigned: number; fudge: number },
): { wire: Buffer; mac: Buffer } {
  const fields: TsigFields = {
    keyName: key.name,
    algorithm: ALGORITHM_NAME[key.algorithm],
    timeSigned: opts.timeSigned,
    fudge: opts.fudge,
    error: 0,
    other: Buffer.alloc(0),
  };
  const mac = hmac(key, [message, variables(fields)]);
  const rdata = Buffer.concat([
    encodeName(fields.algorithm),
    u48(fields.timeSigned),
    u16(fields.fudge),
    u16(mac.length),
    mac,
    message.subarray(0, 2), // original ID
    u16(0), // error
    u16(0), // other len
  ]);
  const head = Buffer.alloc(10);
  head.writeUInt16BE(TYPE_TSIG, 0);
  head.writeUInt16BE(CLASS_ANY, 2);
  head.writeUInt32BE(0, 4);
  head.writeUInt16BE(rdata.length, 8);
  const signed = Buffer.concat([message, encodeName(key.name), head, rdata]);
  signed.writeUInt16BE(message.readUInt16BE(10) + 1, 10);
  return { wire: signed, mac };
}

export interface ParsedTsig extends TsigFields {
  /** Where the TSIG record starts in the message. */
  offset: number;
  mac: Buffer;
  originalId: number;
}

/** The TSIG record of a message (it must be the last additional record), or undefined. */
export function findTsig(msg: Buffer): ParsedTsig | undefined {
  if (msg.length < 12) return undefined;
  const counts = [4, 6, 8, 10].map((o) => msg.readUInt16BE(o)) as [number, number, number, number];
  if (counts[3] === 0) return undefined;
  let o = 12;
  for (let i = 0; i < counts[0]; i++) o = readName(msg, o).next + 4;
  const records = counts[1] + counts[2] + counts[3];
  let last = -1;
  for (let i = 0; i < records; i++) {
    last = o;
    o = readName(msg, o).next;
    if (o + 10 > msg.length) throw new Error('truncated DNS message');
    o += 10 + msg.readUInt16BE(o + 8);
  }
  const owner = readName(msg, last);
  let p = owner.next;
  if (msg.readUInt16BE(p) !== TYPE_TSIG) return undefined;
  p += 10;
  const alg = readName(msg, p);
  p = alg.next;
  const timeSigned = msg.readUInt16BE(p) * 2 ** 32 + msg.readUInt32BE(p + 2);
  const fudge = msg.readUInt16BE(p + 6);
  const macSize = msg.readUInt16BE(p + 8);
  const mac = msg.subarray(p + 10, p + 10 + macSize);
  p += 10 + macSize;
  const originalId = msg.readUInt16BE(p);
  const error = msg.readUInt16BE(p + 2);
  const otherLen = msg.readUInt16BE(p + 4);
  const other = msg.subarray(p + 6, p + 6 + otherLen);
  return {
    offset: last,
    keyName: owner.name,
    algorithm: alg.name,
    timeSigned,
    fudge,
    mac,
    originalId,
    error,
    other,
  };
}

export type TsigVerdict =
  | { ok: true }
  | { ok: false; reason: 'unsigned' | 'wrongKey' | 'badMac' | 'badTime' | 'serverError'; error?: string };

/** Checks the signature of a response to a request whose MAC was `requestMac` (RFC 8945 §5.3). */
export function verifyResponse(
  response: Buffer,
  requestMac: Buffer,
  key: TsigKey,
  nowS: number,
): TsigVerdict {
  const tsig = findTsig(response);
  if (!tsig) return { ok: false, reason: 'unsigned' };
  if (tsig.error !== 0)
    return { ok: false, reason: 'serverError', error: TSIG_ERRORS[tsig.error] ?? `error ${tsig.error}` };
  if (tsig.keyName !== normalizeName(key.name)) return { ok: false, reason: 'wrongKey' };
  if (tsig.algorithm !== ALGORITHM_NAME[key.algorithm]) return { ok: false, reason: 'wrongKey' };
  const stripped = Buffer.from(response.subarray(0, tsig.offset));
  stripped.writeUInt16BE(tsig.originalId, 0);
  stripped.writeUInt16BE(stripped.readUInt16BE(10) - 1, 10);
  const expected = hmac(key, [u16(requestMac.length), requestMac, stripped, variables(tsig)]);
  if (tsig.mac.length !== expected.length || !timingSafeEqual(tsig.mac, expected))
    return { ok: false, reason: 'badMac' };
  if (Math.abs(nowS - tsig.timeSigned) > tsig.fudge) return { ok: false, reason: 'badTime' };
  return { ok: true };
}
