// Progress of each queue entry, kept beside it as <queueDir>/<id>.state: attempts made, when the
// next one is due, the last error, which recipients are finished (delivered or bounced), and
// whether the delay notice went out. Sealed with ChaCha20-Poly1305 under a key derived from the
// server key (recipients and remote replies are as private as the queued message), bound to the
// entry id. Written durably, and only when something has to be remembered: a message delivered
// at the first attempt never gets a state file. Losing a state file (or never having written the
// last update) only means recipients are tried again: at-least-once, never lost.
import { hkdfSync } from 'node:crypto';
import { readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { aeadOpenRandomNonce, aeadSealRandomNonce } from '../crypto/aead.ts';
import { writeFileDurable } from '../storage/durable-write.ts';
import { configDbKeyOf, type ServerSecrets } from '../storage/server-secrets.ts';

export interface DeliveryState {
  v: 1;
  /** Failed attempts so far. */
  attempts: number;
  nextAttemptAt: number;
  lastError?: string;
  lastAttemptAt?: number;
  /** Recipients that need nothing more (delivered, or bounced to the sender). */
  done: string[];
  delayNoticeSent?: boolean;
}

const ID_RE = /^[0-9a-z]{11}-[0-9a-f]{16}$/;

export class DeliveryStates {
  readonly #dir: string;
  readonly #key: Buffer;

  constructor(queueDir: string, key: Buffer) {
    this.#dir = queueDir;
    this.#key = key;
  }

  static fromSecrets(queueDir: string, secrets: ServerSecrets): DeliveryStates {
    const k = configDbKeyOf(secrets);
    try {
      return new DeliveryStates(
        queueDir,
        Buffer.from(hkdfSync('sha256', k, Buffer.alloc(0), 'facteur/outbound-state/v1', 32)),
      );
    } finally {
      k.fill(0);
    }
  }

  #path(id: string): string {
    if (!ID_RE.test(id)) throw new Error('invalid queue id');
    return join(this.#dir, `${id}.state`);
  }

  async get(id: string): Promise<DeliveryState | undefined> {
    let sealed: Buffer;
    try {
      sealed = await readFile(this.#path(id));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    try {
      return JSON.parse(
        aeadOpenRandomNonce(this.#key, sealed, Buffer.from(id)).toString('utf8'),
      ) as DeliveryState;
    } catch {
      return undefined; // unreadable: start over (at-least-once)
    }
  }

  async put(id: string, state: DeliveryState): Promise<void> {
    await writeFileDurable(
      this.#path(id),
      aeadSealRandomNonce(this.#key, Buffer.from(JSON.stringify(state)), Buffer.from(id)),
    );
  }

  async remove(id: string): Promise<void> {
    await unlink(this.#path(id)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }
}
