import { randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { DecryptionError } from '../../src/crypto/aead.ts';
import {
  generateKeyPair,
  parsePrivateKey,
  parsePublicKey,
  privateKeyFromSeed,
} from '../../src/crypto/hybrid-kem.ts';
import {
  createOpenStream,
  createSealStream,
  open,
  seal,
  SEALED_HEADER_BYTES,
  SealedFormatError,
} from '../../src/crypto/sealed-box.ts';

const ctx = { context: 'test' };

describe('hybrid key pairs', () => {
  it('round-trips public and private encodings, deterministic from seed', () => {
    const kp = generateKeyPair();
    const pub = parsePublicKey(kp.publicKey.bytes);
    expect(pub.id.equals(kp.publicKey.id)).toBe(true);
    const again = parsePrivateKey(kp.bytes);
    expect(again.publicKey.bytes.equals(kp.publicKey.bytes)).toBe(true);
    const seed = randomBytes(32);
    expect(privateKeyFromSeed(seed).publicKey.bytes.equals(privateKeyFromSeed(seed).publicKey.bytes)).toBe(
      true,
    );
    expect(kp.publicKey.bytes.length).toBe(1217);
    expect(kp.bytes.length).toBe(33);
  });
});

describe('sealed box', () => {
  const kp = generateKeyPair();

  it('seals and opens small, empty and chunk-boundary payloads', () => {
    for (const size of [0, 1, 1023, 1024, 1025, 4096, 65536, 65537, 200_000]) {
      const data = randomBytes(size);
      const sealed = seal(kp.publicKey, data, { ...ctx, chunkLog2: 10 });
      expect(open(kp, sealed, ctx).equals(data)).toBe(true);
    }
  });

  it('is randomized: the same message seals differently each time', () => {
    const m = Buffer.from('hello');
    expect(seal(kp.publicKey, m, ctx).equals(seal(kp.publicKey, m, ctx))).toBe(false);
  });

  it('refuses another key, another context, tampering, truncation and appending', () => {
    const data = randomBytes(5000);
    const sealed = seal(kp.publicKey, data, { ...ctx, chunkLog2: 10 });
    expect(() => open(generateKeyPair(), sealed, ctx)).toThrow(DecryptionError);
    expect(() => open(kp, sealed, { context: 'other' })).toThrow(DecryptionError);
    for (const pos of [10, 30, 100, SEALED_HEADER_BYTES - 1, SEALED_HEADER_BYTES + 3, sealed.length - 1]) {
      const bad = Buffer.from(sealed);
      bad[pos]! ^= 1;
      expect(() => open(kp, bad, ctx)).toThrow();
    }
    // Cut exactly after a full chunk: the remaining last chunk is not flagged final.
    const oneChunk = SEALED_HEADER_BYTES + 1024 + 16;
    expect(() => open(kp, sealed.subarray(0, oneChunk * 1 + 1040), ctx)).toThrow(DecryptionError);
    expect(() => open(kp, sealed.subarray(0, sealed.length - 16), ctx)).toThrow(DecryptionError);
    expect(() => open(kp, Buffer.concat([sealed, randomBytes(16)]), ctx)).toThrow(DecryptionError);
    expect(() => open(kp, sealed.subarray(0, 100), ctx)).toThrow(SealedFormatError);
    const wrongMagic = Buffer.from(sealed);
    wrongMagic.write('XXXX', 0);
    expect(() => open(kp, wrongMagic, ctx)).toThrow(SealedFormatError);
  });

  it('streams a 60 MB message with bounded memory', async () => {
    const total = 60 * 1024 * 1024;
    const piece = randomBytes(1 << 20);
    async function* source() {
      for (let sent = 0; sent < total; sent += piece.length) yield piece;
    }
    // Measure live memory after forced GCs: garbage from per-chunk buffers is not retention.
    const gc = (globalThis as { gc?: () => void }).gc;
    const live = async () => {
      gc?.();
      await new Promise((r) => setTimeout(r, 5)); // backing stores are freed off-thread
      gc?.();
      return process.memoryUsage().arrayBuffers;
    };
    const before = await live();
    let peak = before;
    let n = 0;
    let outBytes = 0;
    let sealedBytes = 0;
    const hash = (await import('node:crypto')).createHash('sha256');
    const seal$ = createSealStream(kp.publicKey, ctx);
    const open$ = createOpenStream(kp, ctx);
    const count = new PassThrough();
    count.on('data', (b: Buffer) => (sealedBytes += b.length));
    await pipeline(Readable.from(source()), seal$, count, open$, async (chunks: AsyncIterable<Buffer>) => {
      for await (const c of chunks) {
        outBytes += c.length;
        hash.update(c);
        if (++n % 100 === 0) peak = Math.max(peak, await live());
      }
    });
    const expected = (await import('node:crypto')).createHash('sha256');
    for (let sent = 0; sent < total; sent += piece.length) expected.update(piece);
    expect(outBytes).toBe(total);
    expect(hash.digest('hex')).toBe(expected.digest('hex'));
    expect(sealedBytes).toBe(SEALED_HEADER_BYTES + total + 16 * (total / 65536));
    // Far below the 60 MB payload: nothing buffers the whole message.
    expect(gc).toBeDefined();
    expect(peak - before).toBeLessThan(8 * 1024 * 1024);
  });
});
