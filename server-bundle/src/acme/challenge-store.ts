// HTTP-01 challenge responses shared between the process that talks to the CA (jobs role) and the
// web role that answers http://<name>/.well-known/acme-challenge/<token>: one small file per token
// in <dataDir>/acme/challenges. Files survive nothing important: a token is only useful to the CA
// while its order is pending, and remove() (or the sweep) deletes it afterwards.
import { constants } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/** RFC 8555 §8.3: base64url characters only; bounded so a path can never be abused. */
export const CHALLENGE_TOKEN = /^[A-Za-z0-9_-]{1,256}$/;

export interface ChallengeStore {
  put(token: string, keyAuthorization: string): Promise<void>;
  /** The key authorization to answer with, or undefined for an unknown token. */
  get(token: string): Promise<string | undefined>;
  remove(token: string): Promise<void>;
  /** Deletes tokens older than maxAgeMs (left by a crash mid-order). */
  sweep?(maxAgeMs: number): Promise<number>;
}

export function challengeDirOf(dataDir: string): string {
  return join(dataDir, 'acme', 'challenges');
}

export class FileChallengeStore implements ChallengeStore {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
  }

  async put(token: string, keyAuthorization: string): Promise<void> {
    assertToken(token);
    await mkdir(this.#dir, { recursive: true, mode: 0o700 });
    const tmp = join(this.#dir, `.${token}.${process.pid}.tmp`);
    const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o600);
    try {
      await fh.writeFile(keyAuthorization);
    } finally {
      await fh.close();
    }
    await rename(tmp, join(this.#dir, token));
  }

  async get(token: string): Promise<string | undefined> {
    if (!CHALLENGE_TOKEN.test(token)) return undefined;
    try {
      return await readFile(join(this.#dir, token), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async remove(token: string): Promise<void> {
    assertToken(token);
    await unlink(join(this.#dir, token)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }

  /** Deletes tokens older than maxAgeMs (left behind by a crash mid-order). Returns how many. */
  async sweep(maxAgeMs: number, now = Date.now()): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.#dir);
    } catch {
      return 0;
    }
    let removed = 0;
    for (const name of names) {
      const path = join(this.#dir, name);
      const st = await stat(path).catch(() => undefined);
      if (
        st &&
        now - st.mtimeMs > maxAgeMs &&
        (await unlink(path).then(
          () => true,
          () => false,
        ))
      )
        removed++;
    }
    return removed;
  }
}

function assertToken(token: string): void {
  if (!CHALLENGE_TOKEN.test(token))
    throw new Error(`not an ACME challenge token: ${JSON.stringify(token.slice(0, 40))}`);
}
