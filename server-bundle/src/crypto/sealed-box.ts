// Sealed box: encrypt data of any size to a hybrid public key, readable only with the private key.
//
// Format v1 (all integers big-endian):
//   header  = "FCSB" | version=1 | suite=1 | chunkLog2 | reserved=0 | recipient key id (16)
//             | X25519 ephemeral public key (32) | ML-KEM-768 ciphertext (1088)          = 1144 bytes
//   body    = chunks, each ChaCha20-Poly1305(plaintext chunk) || tag(16).
//             Every chunk but the last holds exactly 2^chunkLog2 plaintext bytes; the last holds
//             0..2^chunkLog2 bytes (0 only when the whole plaintext is empty).
//   nonce   = 11-byte chunk counter | final flag (1 on the last chunk): truncation, reordering
//             and appending are all detected (the STREAM construction, as in age).
//   key     = HKDF-SHA256(ML-KEM secret || X25519 secret, salt = SHA-256(header || recipient pub),
//             info = label | context)  — see hybrid-kem.ts.
import { Transform, type TransformCallback } from 'node:stream';
import { aeadDecrypt, aeadEncrypt, DecryptionError, NONCE_BYTES, TAG_BYTES } from './aead.ts';
import {
  combineSecrets,
  decapsulateWith,
  encapsulateTo,
  EPHEMERAL_PUB,
  KEY_ID_BYTES,
  MLKEM768_CT,
  SUITE_X25519_MLKEM768,
  type HybridPrivateKey,
  type HybridPublicKey,
} from './hybrid-kem.ts';

const MAGIC = Buffer.from('FCSB');
const VERSION = 1;
export const SEALED_HEADER_BYTES = 4 + 4 + KEY_ID_BYTES + EPHEMERAL_PUB + MLKEM768_CT;
const DEFAULT_CHUNK_LOG2 = 16; // 64 KiB: small memory, negligible per-chunk overhead

export class SealedFormatError extends Error {
  override name = 'SealedFormatError';
}

export interface SealOptions {
  /** Domain separation: the opener must pass the same context. */
  context: string;
  chunkLog2?: number;
}

function nonceFor(counter: number, final: boolean): Buffer {
  const n = Buffer.alloc(NONCE_BYTES);
  n.writeBigUInt64BE(BigInt(counter), 3);
  n[11] = final ? 1 : 0;
  return n;
}

/** Incremental sealer: feed plaintext with update(), finish with final(). */
export class Sealer {
  readonly header: Buffer;
  readonly #key: Buffer;
  readonly #chunk: number;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #counter = 0;
  #done = false;

  constructor(recipient: HybridPublicKey, opts: SealOptions) {
    const log2 = opts.chunkLog2 ?? DEFAULT_CHUNK_LOG2;
    if (log2 < 10 || log2 > 24) throw new RangeError('chunkLog2 out of range');
    this.#chunk = 1 << log2;
    const enc = encapsulateTo(recipient);
    this.header = Buffer.concat([
      MAGIC,
      Buffer.of(VERSION, SUITE_X25519_MLKEM768, log2, 0),
      recipient.id,
      enc.ephemeral,
      enc.mlkemCiphertext,
    ]);
    this.#key = combineSecrets(enc, this.header, recipient, opts.context);
    enc.sharedMlkem.fill(0);
    enc.sharedX25519.fill(0);
  }

  /** Returns sealed output ready to write (the header comes first, from start()). */
  update(data: Uint8Array): Buffer[] {
    if (this.#done) throw new Error('sealer already finished');
    const out: Buffer[] = [];
    this.#pending.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    this.#pendingBytes += data.byteLength;
    // Hold back one full chunk: only at final() do we know which chunk is the last.
    while (this.#pendingBytes > this.#chunk) out.push(this.#emit(this.#take(this.#chunk), false));
    return out;
  }

  final(): Buffer {
    if (this.#done) throw new Error('sealer already finished');
    this.#done = true;
    const last = this.#emit(this.#take(this.#pendingBytes), true);
    this.#key.fill(0);
    return last;
  }

  #take(n: number): Buffer {
    const all = this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending);
    const head = all.subarray(0, n);
    const rest = all.subarray(n);
    this.#pending = rest.length ? [rest] : [];
    this.#pendingBytes = rest.length;
    return head;
  }

  #emit(plain: Buffer, final: boolean): Buffer {
    return aeadEncrypt(this.#key, nonceFor(this.#counter++, final), plain);
  }
}

/** Incremental opener: feed sealed bytes (header included) with update(), then final(). */
export class Opener {
  readonly #priv: HybridPrivateKey;
  readonly #context: string;
  #key: Buffer | undefined;
  #chunkSealed = 0;
  #buf: Buffer = Buffer.alloc(0);
  #counter = 0;
  #done = false;

  constructor(priv: HybridPrivateKey, opts: { context: string }) {
    this.#priv = priv;
    this.#context = opts.context;
  }

  update(data: Uint8Array): Buffer[] {
    if (this.#done) throw new Error('opener already finished');
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, data]) : Buffer.from(data);
    if (!this.#key) {
      if (this.#buf.length < SEALED_HEADER_BYTES) return [];
      this.#readHeader(this.#buf.subarray(0, SEALED_HEADER_BYTES));
      this.#buf = this.#buf.subarray(SEALED_HEADER_BYTES);
    }
    const out: Buffer[] = [];
    // A chunk is known not to be the last only once more bytes follow it.
    let off = 0;
    while (this.#buf.length - off > this.#chunkSealed) {
      out.push(this.#open(this.#buf.subarray(off, off + this.#chunkSealed), false));
      off += this.#chunkSealed;
    }
    if (off) this.#buf = Buffer.from(this.#buf.subarray(off));
    return out;
  }

  final(): Buffer {
    if (this.#done) throw new Error('opener already finished');
    this.#done = true;
    if (!this.#key) throw new SealedFormatError('sealed data truncated in header');
    if (this.#buf.length < TAG_BYTES) throw new DecryptionError('sealed data truncated');
    const last = this.#open(this.#buf, true);
    this.#key.fill(0);
    return last;
  }

  #readHeader(h: Buffer): void {
    if (!h.subarray(0, 4).equals(MAGIC)) throw new SealedFormatError('not a Facteur sealed box');
    if (h[4] !== VERSION) throw new SealedFormatError(`unsupported sealed box version ${h[4]}`);
    if (h[5] !== SUITE_X25519_MLKEM768) throw new SealedFormatError(`unsupported suite ${h[5]}`);
    const log2 = h[6]!;
    if (log2 < 10 || log2 > 24 || h[7] !== 0) throw new SealedFormatError('bad sealed box parameters');
    const pub = this.#priv.publicKey;
    if (!h.subarray(8, 8 + KEY_ID_BYTES).equals(pub.id)) {
      throw new DecryptionError('sealed to a different key');
    }
    const ephStart = 8 + KEY_ID_BYTES;
    const shared = decapsulateWith(
      this.#priv,
      h.subarray(ephStart, ephStart + EPHEMERAL_PUB),
      h.subarray(ephStart + EPHEMERAL_PUB, SEALED_HEADER_BYTES),
    );
    this.#key = combineSecrets(shared, h, pub, this.#context);
    shared.sharedMlkem.fill(0);
    shared.sharedX25519.fill(0);
    this.#chunkSealed = (1 << log2) + TAG_BYTES;
  }

  #open(sealed: Buffer, final: boolean): Buffer {
    return aeadDecrypt(this.#key!, nonceFor(this.#counter++, final), sealed);
  }
}

export function seal(recipient: HybridPublicKey, plaintext: Uint8Array, opts: SealOptions): Buffer {
  const s = new Sealer(recipient, opts);
  return Buffer.concat([s.header, ...s.update(plaintext), s.final()]);
}

export function open(priv: HybridPrivateKey, sealed: Uint8Array, opts: { context: string }): Buffer {
  const o = new Opener(priv, opts);
  return Buffer.concat([...o.update(sealed), o.final()]);
}

/** Streaming sealer for pipelines (e.g. SMTP DATA -> spool file). */
export function createSealStream(recipient: HybridPublicKey, opts: SealOptions): Transform {
  const s = new Sealer(recipient, opts);
  let started = false;
  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      try {
        if (!started) {
          started = true;
          this.push(s.header);
        }
        for (const b of s.update(chunk)) this.push(b);
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
    flush(cb: TransformCallback) {
      try {
        if (!started) this.push(s.header);
        cb(null, s.final());
      } catch (err) {
        cb(err as Error);
      }
    },
  });
}

export function createOpenStream(priv: HybridPrivateKey, opts: { context: string }): Transform {
  const o = new Opener(priv, opts);
  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      try {
        for (const b of o.update(chunk)) this.push(b);
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
    flush(cb: TransformCallback) {
      try {
        cb(null, o.final());
      } catch (err) {
        cb(err as Error);
      }
    },
  });
}
