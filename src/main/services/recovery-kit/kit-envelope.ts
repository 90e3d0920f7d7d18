/**
 * The recovery kit file: a versioned JSON envelope around the exported vault. The key comes from
 * the passphrase through argon2id (its cost stored in the envelope, so a later version can raise it
 * and still open older kits); AES-256-GCM seals the payload with the whole header as associated
 * data, so no header field can be changed unnoticed. argon2id yields 64 bytes: the first half is
 * the AES key, a SHA-256 of the second half is stored as `check` — it tells a wrong passphrase
 * (check differs) apart from a damaged file (check matches, GCM refuses) and reveals nothing a
 * guesser could not learn from the ciphertext anyway. `digest`, a plain SHA-256 over header and
 * ciphertext, catches accidental damage (a flipped or missing byte anywhere) before any key is
 * derived, so a damaged file is never reported as a wrong passphrase.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { FacteurError } from '../../../shared/errors';
import { argon2id, type Argon2idCost } from '../crypto/argon2id';
import { assertStrongPassphrase } from './passphrase-strength';

export const KIT_FORMAT = 'facteur-recovery-kit';
/** RFC 9106's second recommended option (64 MiB, 3 passes), single lane: about 0.3 s here. */
export const KIT_KDF_COST: Argon2idCost = { memory: 65_536, passes: 3, parallelism: 1 };
/** Bounds on a kit's stated cost, so a crafted file cannot make the app allocate gigabytes. */
const MAX_COST = { memory: 1_048_576, passes: 20, parallelism: 8 };

const b64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/);
const header = z
  .object({
    format: z.literal(KIT_FORMAT),
    version: z.literal(1),
    createdAt: z.string(),
    kdf: z
      .object({
        alg: z.literal('argon2id'),
        memory: z.number().int().min(8).max(MAX_COST.memory),
        passes: z.number().int().min(1).max(MAX_COST.passes),
        parallelism: z.number().int().min(1).max(MAX_COST.parallelism),
        salt: b64,
      })
      .strict(),
    cipher: z.object({ alg: z.literal('aes-256-gcm'), nonce: b64 }).strict(),
    check: b64,
  })
  .strict();
const envelope = header.extend({ ciphertext: b64, digest: b64 }).strict();

export type KitHeader = z.output<typeof header>;

const TAG_BYTES = 16;

/** The associated data: the header's fields in one fixed order, whatever order the file had. */
function associatedData(h: KitHeader): Buffer {
  const { kdf, cipher } = h;
  return Buffer.from(
    JSON.stringify([
      h.format,
      h.version,
      h.createdAt,
      [kdf.alg, kdf.memory, kdf.passes, kdf.parallelism, kdf.salt],
      [cipher.alg, cipher.nonce],
      h.check,
    ]),
  );
}

function digestOf(h: KitHeader, ciphertext: string): string {
  return createHash('sha256').update(associatedData(h)).update(ciphertext).digest('base64');
}

async function deriveKeys(
  passphrase: string,
  kdf: KitHeader['kdf'],
): Promise<{ key: Buffer; check: string }> {
  const out = await argon2id(
    Buffer.from(passphrase.normalize('NFC'), 'utf8'),
    Buffer.from(kdf.salt, 'base64'),
    kdf,
    64,
  );
  const key = Buffer.from(out.subarray(0, 32));
  const check = createHash('sha256').update(out.subarray(32)).digest('base64');
  out.fill(0);
  return { key, check };
}

/** Seals `payload` under `passphrase` (refused when too weak); returns the file's text. */
export async function sealKit(
  payload: unknown,
  passphrase: string,
  options: { now?: Date; cost?: Argon2idCost } = {},
): Promise<string> {
  assertStrongPassphrase(passphrase);
  const kdf = {
    alg: 'argon2id' as const,
    ...(options.cost ?? KIT_KDF_COST),
    salt: randomBytes(16).toString('base64'),
  };
  const { key, check } = await deriveKeys(passphrase, kdf);
  try {
    const h: KitHeader = {
      format: KIT_FORMAT,
      version: 1,
      createdAt: (options.now ?? new Date()).toISOString(),
      kdf,
      cipher: { alg: 'aes-256-gcm', nonce: randomBytes(12).toString('base64') },
      check,
    };
    const cipher = createCipheriv('aes-256-gcm', key, Buffer.from(h.cipher.nonce, 'base64'));
    cipher.setAAD(associatedData(h));
    const sealed = Buffer.concat([
      cipher.update(JSON.stringify(payload), 'utf8'),
      cipher.final(),
      cipher.getAuthTag(),
    ]);
    const ciphertext = sealed.toString('base64');
    return JSON.stringify({ ...h, ciphertext, digest: digestOf(h, ciphertext) }, null, 2) + '\n';
  } finally {
    key.fill(0);
  }
}

const damaged = (why: string): FacteurError =>
  new FacteurError(
    'KIT_DAMAGED',
    `This recovery kit file is damaged or incomplete (${why}), so nothing was imported. Use another copy of the file.`,
    { why },
  );

/** The header of a kit file, or KIT_DAMAGED when the text is not a whole kit. */
export function readKitHeader(text: string): KitHeader & { ciphertext: string; digest: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw damaged(text.trim() === '' ? 'the file is empty' : 'it is cut short or not a recovery kit');
  }
  if ((json as { format?: unknown } | null)?.format !== KIT_FORMAT)
    throw damaged('it is not a Facteur recovery kit');
  const parsed = envelope.safeParse(json);
  if (!parsed.success) throw damaged('some of its fields are missing or altered');
  const { ciphertext, digest, ...h } = parsed.data;
  if (digestOf(h, ciphertext) !== digest) throw damaged('its contents do not match their checksum');
  return parsed.data;
}

/** Opens a kit: KIT_WRONG_PASSPHRASE or KIT_DAMAGED in plain words, else the payload. */
export async function openKit(text: string, passphrase: string): Promise<unknown> {
  const kit = readKitHeader(text);
  const { ciphertext, digest: _digest, ...h } = kit;
  const { key, check } = await deriveKeys(passphrase, h.kdf);
  try {
    const expected = Buffer.from(h.check, 'base64');
    const actual = Buffer.from(check, 'base64');
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
      throw new FacteurError(
        'KIT_WRONG_PASSPHRASE',
        'This passphrase does not open the recovery kit: nothing was imported. Check it letter by letter (capitals, accents, spaces).',
      );
    }
    const sealed = Buffer.from(ciphertext, 'base64');
    if (sealed.length <= TAG_BYTES) throw damaged('its encrypted part is cut short');
    let plain: Buffer;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(h.cipher.nonce, 'base64'));
      decipher.setAAD(associatedData(h));
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      plain = Buffer.concat([
        decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)),
        decipher.final(),
      ]);
    } catch {
      throw damaged('its encrypted part was altered or cut short');
    }
    try {
      return JSON.parse(plain.toString('utf8')) as unknown;
    } finally {
      plain.fill(0);
    }
  } finally {
    key.fill(0);
  }
}
