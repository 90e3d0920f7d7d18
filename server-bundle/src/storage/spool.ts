// Durable spool of inbound mail sealed to a mailbox's public key. SMTP writes here without any
// mailbox key; the first session that holds K drains it into the mailbox.
//
// Durability rule (SMTP may answer 250 only after deliver() resolves): write a temp file,
// fsync it, rename it to its final name, fsync the directory. A crash at any point leaves either
// no final file (the client got no 250 and retries) or a complete, authenticated one.
//
// Layout: <root>/<mailboxId>/<spoolId>.sealed   (+ transient .tmp-<spoolId> files)
// A spool file is a sealed box (sealed-box.ts) whose context binds the mailbox and spool id, so a
// file renamed or moved to another mailbox fails to open. Plaintext inside:
//   u32 BE length of the JSON envelope | JSON envelope | raw RFC 5322 message
import { randomBytes } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { HybridPrivateKey, HybridPublicKey } from '../crypto/hybrid-kem.ts';
import { Opener, Sealer } from '../crypto/sealed-box.ts';
import { DirSyncer } from './dir-sync.ts';

/** SMTP envelope facts kept with the message (sealed: the sender is private too). */
export interface SpoolEnvelope {
  mailFrom: string;
  rcptTo: string;
  receivedAt: number;
  remoteAddress?: string;
  [extra: string]: unknown;
}

export interface SpoolRecipient {
  mailboxId: string;
  publicKey: HybridPublicKey;
  rcptTo: string;
  /** Where the drain files it: 'junk' (the \\Junk folder, INBOX when there is none); default INBOX. */
  folder?: 'junk';
}

export interface SpooledMessage {
  id: string;
  envelope: SpoolEnvelope;
  raw: Buffer;
}

const SUFFIX = '.sealed';
const TMP_PREFIX = '.tmp-';
const ID_RE = /^[0-9a-z]{11}-[0-9a-f]{16}$/;
const MAILBOX_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

export function spoolContext(mailboxId: string, spoolId: string): string {
  return `facteur/spool/v1|${mailboxId}|${spoolId}`;
}

/** Time-ordered, unique: base36 ms timestamp + 64 random bits. */
function newSpoolId(now: number): string {
  return `${now.toString(36).padStart(11, '0')}-${randomBytes(8).toString('hex')}`;
}

async function fsyncDir(dir: string): Promise<void> {
  const h = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

async function* asChunks(
  source: Uint8Array | AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  if (source instanceof Uint8Array) {
    yield source;
    return;
  }
  for await (const c of source as AsyncIterable<Uint8Array>) yield c;
}

interface Pending {
  r: SpoolRecipient;
  id: string;
  dir: string;
  tmp: string;
  fh: FileHandle;
  sealer: Sealer;
  written: number;
  /** Sealed output not yet written: small messages go to disk in one write. */
  out: Buffer[];
  outBytes: number;
}

const WRITE_BATCH = 256 * 1024;

export class Spool {
  readonly root: string;
  readonly #now: () => number;
  readonly #knownDirs = new Set<string>();
  readonly #dirSync = new DirSyncer();

  constructor(root: string, opts: { now?: () => number } = {}) {
    this.root = root;
    this.#now = opts.now ?? Date.now;
  }

  #dir(mailboxId: string): string {
    if (!MAILBOX_ID_RE.test(mailboxId)) throw new Error('invalid mailbox id');
    return join(this.root, mailboxId);
  }

  async #ensureDir(dir: string): Promise<void> {
    if (this.#knownDirs.has(dir)) return;
    await mkdir(this.root, { recursive: true, mode: 0o700 });
    const created = await mkdir(dir, { recursive: true, mode: 0o700 });
    // A new directory entry is itself only durable once its parent is fsynced.
    if (created) await fsyncDir(this.root);
    this.#knownDirs.add(dir);
  }

  /**
   * Seals one message to every recipient in a single pass over `source` (a Buffer or the SMTP
   * DATA stream) and makes all copies durable. Resolves with one spool id per recipient, in order;
   * on any failure every partial file is removed and the error is rethrown (answer 451, not 250).
   */
  async deliver(
    recipients: readonly SpoolRecipient[],
    source: Uint8Array | AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    envelope: Omit<SpoolEnvelope, 'rcptTo'>,
  ): Promise<string[]> {
    if (!recipients.length) return [];
    const pending: Pending[] = [];
    try {
      for (const r of recipients) {
        const dir = this.#dir(r.mailboxId);
        await this.#ensureDir(dir);
        const id = newSpoolId(this.#now());
        const tmp = join(dir, `${TMP_PREFIX}${id}`);
        const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
        const sealer = new Sealer(r.publicKey, { context: spoolContext(r.mailboxId, id) });
        pending.push({ r, id, dir, tmp, fh, sealer, written: 0, out: [], outBytes: 0 });
      }
      const write = async (p: Pending, bufs: Buffer[], flush = false) => {
        for (const b of bufs) {
          p.out.push(b);
          p.outBytes += b.length;
        }
        if (!p.outBytes || (!flush && p.outBytes < WRITE_BATCH)) return;
        const b = p.out.length === 1 ? p.out[0]! : Buffer.concat(p.out);
        p.out = [];
        p.outBytes = 0;
        await p.fh.write(b);
        p.written += b.length;
      };
      for (const p of pending) {
        const meta = Buffer.from(
          JSON.stringify({ ...envelope, rcptTo: p.r.rcptTo, ...(p.r.folder ? { folder: p.r.folder } : {}) }),
        );
        const len = Buffer.alloc(4);
        len.writeUInt32BE(meta.length);
        await write(p, [p.sealer.header, ...p.sealer.update(len), ...p.sealer.update(meta)]);
      }
      for await (const chunk of asChunks(source)) {
        await Promise.all(pending.map((p) => write(p, p.sealer.update(chunk))));
      }
      await Promise.all(
        pending.map(async (p) => {
          await write(p, [p.sealer.final()], true);
          await p.fh.sync();
          await p.fh.close();
        }),
      );
      for (const p of pending) await rename(p.tmp, join(p.dir, `${p.id}${SUFFIX}`));
      // Group commit: concurrent deliveries into one directory share an fsync begun after their renames.
      await Promise.all([...new Set(pending.map((p) => p.dir))].map((d) => this.#dirSync.sync(d)));
      return pending.map((p) => p.id);
    } catch (err) {
      await Promise.all(
        pending.map(async (p) => {
          await p.fh.close().catch(() => {});
          await unlink(p.tmp).catch(() => {});
          await unlink(join(p.dir, `${p.id}${SUFFIX}`)).catch(() => {});
        }),
      );
      throw err;
    }
  }

  /** Spool ids waiting for a mailbox, oldest first. */
  async list(mailboxId: string): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.#dir(mailboxId));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return names
      .filter((n) => n.endsWith(SUFFIX))
      .map((n) => n.slice(0, -SUFFIX.length))
      .filter((id) => ID_RE.test(id))
      .sort();
  }

  /** Bytes waiting (quota checks count them: the mailbox cannot be read without K). */
  async pendingBytes(mailboxId: string): Promise<number> {
    let total = 0;
    for (const id of await this.list(mailboxId)) {
      total += await stat(join(this.#dir(mailboxId), `${id}${SUFFIX}`)).then(
        (s) => s.size,
        () => 0,
      );
    }
    return total;
  }

  /** Opens one spooled message with the mailbox's private key (derived from K). */
  async read(mailboxId: string, id: string, key: HybridPrivateKey): Promise<SpooledMessage> {
    if (!ID_RE.test(id)) throw new Error('invalid spool id');
    const opener = new Opener(key, { context: spoolContext(mailboxId, id) });
    const path = join(this.#dir(mailboxId), `${id}${SUFFIX}`);
    // The sealed file is larger than its plaintext: one buffer of that size holds the result,
    // so a 50 MB message costs 50 MB once, not once per chunk plus once concatenated.
    const { size } = await stat(path);
    const plain = Buffer.allocUnsafe(size);
    let len = 0;
    const put = (b: Buffer) => {
      b.copy(plain, len);
      len += b.length;
    };
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
      for (const b of opener.update(chunk as Buffer)) put(b);
    }
    put(opener.final());
    const metaLen = plain.readUInt32BE(0);
    const envelope = JSON.parse(plain.subarray(4, 4 + metaLen).toString('utf8')) as SpoolEnvelope;
    return { id, envelope, raw: plain.subarray(4 + metaLen, len) };
  }

  /** Removes a drained file. Not fsynced: if the unlink is lost, the mailbox's receipt skips it. */
  async remove(mailboxId: string, id: string): Promise<void> {
    if (!ID_RE.test(id)) throw new Error('invalid spool id');
    await unlink(join(this.#dir(mailboxId), `${id}${SUFFIX}`)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }

  /** Removes temp files of deliveries that crashed before their 250 (never acknowledged). */
  async sweepTemp(mailboxId: string, olderThanMs = 3_600_000): Promise<number> {
    const dir = this.#dir(mailboxId);
    let removed = 0;
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const n of names) {
      if (!n.startsWith(TMP_PREFIX)) continue;
      const s = await stat(join(dir, n)).catch(() => undefined);
      if (s && this.#now() - s.mtimeMs > olderThanMs) {
        await unlink(join(dir, n)).catch(() => {});
        removed++;
      }
    }
    return removed;
  }
}
