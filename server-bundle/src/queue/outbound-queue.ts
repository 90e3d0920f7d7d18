// Durable queue of mail leaving for other domains (submission to remote recipients, aliases that
// forward outside). The one place the server can read mail, for as long as it waits: each file is
// a sealed box (crypto/sealed-box.ts) to the server's queue key, which is derived from the server
// secrets file, so the queue on disk (and in backups) is unreadable without that file. The outbound
// role (internet-mail issue) reads, delivers, and remove()s each entry once delivered.
//
// Durability is the spool's rule: temp file, fsync, rename, fsync the directory; commit() resolves
// only then, so SMTP answers 250 after the message is safe.
//
// Layout: <dir>/<id>.msg  (+ transient .tmp-<id>)
// Plaintext inside: u32 BE length of the JSON envelope | JSON envelope | raw RFC 5322 message
import { hkdfSync, randomBytes } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { privateKeyFromSeed, type HybridPrivateKey } from '../crypto/hybrid-kem.ts';
import { Opener, Sealer } from '../crypto/sealed-box.ts';
import { DirSyncer } from '../storage/dir-sync.ts';
import { configDbKeyOf, type ServerSecrets } from '../storage/server-secrets.ts';

export interface OutboundEnvelope {
  /** Envelope sender ('' for the null sender). */
  mailFrom: string;
  /** Remote recipients, normalized addresses. */
  rcptTo: string[];
  receivedAt: number;
  /** 'submission': an authenticated user sent it; 'forward': an alias forwards inbound mail outside. */
  origin: 'submission' | 'forward';
  /** The sending mailbox id (submission). */
  submittedBy?: string;
  remoteAddress?: string;
  [extra: string]: unknown;
}

export interface QueuedMessage {
  id: string;
  envelope: OutboundEnvelope;
  raw: Buffer;
}

export interface QueueEntry {
  id: string;
  /** Sealed size on disk, bytes. */
  size: number;
  queuedAt: number;
}

/** An entry being written: stream chunks in, then commit() (durable) or abort() (nothing kept). */
export interface QueueWriter {
  readonly id: string;
  write(chunk: Uint8Array): Promise<void>;
  commit(): Promise<string>;
  abort(): Promise<void>;
}

const SUFFIX = '.msg';
const SMALL_ENTRY_BYTES = 4 * 1024 * 1024;
const TMP_PREFIX = '.tmp-';
const ID_RE = /^[0-9a-z]{11}-[0-9a-f]{16}$/;

export function queueContext(id: string): string {
  return `facteur/outbound-queue/v1|${id}`;
}

/**
 * The queue's key pair. A secrets file may pin its own seed (`outboundQueueSeed`, 32 bytes hex);
 * otherwise it is derived from the server key with its own HKDF label, so every role sharing the
 * secrets file agrees on it without writing anything (no first-start race between roles).
 */
export function outboundQueueKey(secrets: ServerSecrets): HybridPrivateKey {
  let seed: Buffer;
  if (typeof secrets.outboundQueueSeed === 'string') {
    seed = Buffer.from(secrets.outboundQueueSeed, 'hex');
    if (seed.length !== 32) throw new Error('outboundQueueSeed must be 32 bytes of hex');
  } else {
    const k = configDbKeyOf(secrets);
    seed = Buffer.from(hkdfSync('sha256', k, Buffer.alloc(0), 'facteur/outbound-queue/v1/kem-seed', 32));
    k.fill(0);
  }
  try {
    return privateKeyFromSeed(seed);
  } finally {
    seed.fill(0);
  }
}

function newId(now: number): string {
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

export class OutboundQueue {
  readonly dir: string;
  readonly #key: HybridPrivateKey;
  readonly #now: () => number;
  readonly #dirSync = new DirSyncer({ maxOpenHandles: 1 });
  #dirReady: Promise<void> | undefined;

  constructor(dir: string, key: HybridPrivateKey, opts: { now?: () => number } = {}) {
    this.dir = dir;
    this.#key = key;
    this.#now = opts.now ?? Date.now;
  }

  static fromSecrets(dir: string, secrets: ServerSecrets): OutboundQueue {
    return new OutboundQueue(dir, outboundQueueKey(secrets));
  }

  #ensureDir(): Promise<void> {
    this.#dirReady ??= (async () => {
      const created = await mkdir(this.dir, { recursive: true, mode: 0o700 });
      if (created) await fsyncDir(join(this.dir, '..'));
    })().catch((err: unknown) => {
      this.#dirReady = undefined;
      throw err;
    });
    return this.#dirReady;
  }

  /** Starts an entry; the caller streams the message through write(). */
  async begin(envelope: OutboundEnvelope): Promise<QueueWriter> {
    if (!envelope.rcptTo.length) throw new Error('outbound entry without recipients');
    await this.#ensureDir();
    const id = newId(this.#now());
    const tmp = join(this.dir, `${TMP_PREFIX}${id}`);
    const final = join(this.dir, `${id}${SUFFIX}`);
    const fh: FileHandle = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    const sealer = new Sealer(this.#key.publicKey, { context: queueContext(id) });
    const meta = Buffer.from(JSON.stringify({ ...envelope, v: 1 }));
    const len = Buffer.alloc(4);
    len.writeUInt32BE(meta.length);
    let state: 'open' | 'done' = 'open';
    // Sealed output is written in batches: a small message costs one write.
    let out: Buffer[] = [];
    let outBytes = 0;
    const put = async (bufs: Buffer[], flush = false) => {
      for (const b of bufs) {
        out.push(b);
        outBytes += b.length;
      }
      if (!outBytes || (!flush && outBytes < 256 * 1024)) return;
      const b = out.length === 1 ? out[0]! : Buffer.concat(out);
      out = [];
      outBytes = 0;
      await fh.write(b);
    };
    const abort = async () => {
      if (state === 'done') return;
      state = 'done';
      await fh.close().catch(() => {});
      await unlink(tmp).catch(() => {});
    };
    try {
      await put([sealer.header, ...sealer.update(len), ...sealer.update(meta)]);
    } catch (err) {
      await abort();
      throw err;
    }
    const dir = this.dir;
    const dirSync = this.#dirSync;
    return {
      id,
      async write(chunk: Uint8Array) {
        if (state !== 'open') throw new Error('queue entry already finished');
        await put(sealer.update(chunk));
      },
      async commit() {
        if (state !== 'open') throw new Error('queue entry already finished');
        try {
          await put([sealer.final()], true);
          await fh.sync();
          await fh.close();
          state = 'done';
          await rename(tmp, final);
          await dirSync.sync(dir);
          return id;
        } catch (err) {
          if (state === 'open') await abort();
          else {
            await unlink(tmp).catch(() => {});
            await unlink(final).catch(() => {});
          }
          throw err;
        }
      },
      abort,
    };
  }

  /** One-shot enqueue of a Buffer or a stream of chunks. */
  async enqueue(envelope: OutboundEnvelope, source: Uint8Array | AsyncIterable<Uint8Array>): Promise<string> {
    const w = await this.begin(envelope);
    try {
      if (source instanceof Uint8Array) await w.write(source);
      else for await (const c of source) await w.write(c);
    } catch (err) {
      await w.abort();
      throw err;
    }
    return w.commit();
  }

  /** Entries waiting, oldest first (no decryption). */
  async list(): Promise<QueueEntry[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const ids = names
      .filter((n) => n.endsWith(SUFFIX))
      .map((n) => n.slice(0, -SUFFIX.length))
      .filter((id) => ID_RE.test(id))
      .sort();
    const out: QueueEntry[] = [];
    for (const id of ids) {
      const s = await stat(join(this.dir, `${id}${SUFFIX}`)).catch(() => undefined);
      if (s) out.push({ id, size: s.size, queuedAt: parseInt(id.slice(0, 11), 36) });
    }
    return out;
  }

  async read(id: string): Promise<QueuedMessage> {
    if (!ID_RE.test(id)) throw new Error('invalid queue id');
    const opener = new Opener(this.#key, { context: queueContext(id) });
    const parts: Buffer[] = [];
    const path = join(this.dir, `${id}${SUFFIX}`);
    // Most entries are small: one readFile costs one thread-pool round trip instead of a stream's
    // open/fstat/read/close (the outbound role reads every entry at least once).
    const { size } = await stat(path);
    if (size <= SMALL_ENTRY_BYTES) parts.push(...opener.update(await readFile(path)));
    else
      for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }))
        parts.push(...opener.update(chunk as Buffer));
    parts.push(opener.final());
    const plain = Buffer.concat(parts);
    const metaLen = plain.readUInt32BE(0);
    const envelope = JSON.parse(plain.subarray(4, 4 + metaLen).toString('utf8')) as OutboundEnvelope;
    return { id, envelope, raw: plain.subarray(4 + metaLen) };
  }

  /**
   * The envelope alone (the control API's queue view): decrypts only as far as the envelope
   * reaches (the first 64 KiB chunk, or the whole entry when it is smaller) and wipes the rest.
   */
  async readEnvelope(id: string): Promise<OutboundEnvelope> {
    if (!ID_RE.test(id)) throw new Error('invalid queue id');
    const opener = new Opener(this.#key, { context: queueContext(id) });
    let plain = Buffer.alloc(0);
    const need = () => (plain.length >= 4 ? 4 + plain.readUInt32BE(0) : Infinity);
    const stream = createReadStream(join(this.dir, `${id}${SUFFIX}`), { highWaterMark: 64 * 1024 });
    try {
      for await (const chunk of stream) {
        const out = opener.update(chunk as Buffer);
        if (out.length) plain = Buffer.concat([plain, ...out]);
        if (plain.length >= need()) break;
      }
      if (plain.length < need()) plain = Buffer.concat([plain, opener.final()]);
      return JSON.parse(plain.subarray(4, need()).toString('utf8')) as OutboundEnvelope;
    } finally {
      stream.destroy();
      plain.fill(0);
    }
  }

  /** Deletes a delivered (or bounced) entry. */
  async remove(id: string): Promise<void> {
    if (!ID_RE.test(id)) throw new Error('invalid queue id');
    await unlink(join(this.dir, `${id}${SUFFIX}`)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }

  /** Removes temp files of entries whose writer crashed before commit (never acknowledged). */
  async sweepTemp(olderThanMs = 3_600_000): Promise<number> {
    let removed = 0;
    for (const n of await readdir(this.dir).catch(() => [] as string[])) {
      if (!n.startsWith(TMP_PREFIX)) continue;
      const s = await stat(join(this.dir, n)).catch(() => undefined);
      if (s && this.#now() - s.mtimeMs > olderThanMs) {
        await unlink(join(this.dir, n)).catch(() => {});
        removed++;
      }
    }
    return removed;
  }
}
