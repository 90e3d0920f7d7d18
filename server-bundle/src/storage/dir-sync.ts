// Group commit for directory fsyncs. After a rename, a file is durable only once its directory is
// fsynced; when several deliveries rename into the same directory at about the same time, one
// fsync that STARTS after all their renames serves them all. sync(dir) resolves only after an
// fsync of `dir` that began after the call, so the caller's rename (done before the call) is
// covered. Directory handles stay open in a small LRU to save an open/close per message.
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/** What sync() needs of a directory handle (a FileHandle; tests pass a fake). */
export interface DirHandle {
  sync(): Promise<void>;
  close(): Promise<void>;
}

interface DirState {
  fh: Promise<DirHandle> | undefined;
  running: Promise<void> | undefined;
  next: Promise<void> | undefined;
  users: number;
}

export class DirSyncer {
  readonly #dirs = new Map<string, DirState>();
  readonly #maxOpen: number;
  readonly #open: (dir: string) => Promise<DirHandle>;

  constructor(opts: { maxOpenHandles?: number; openDir?: (dir: string) => Promise<DirHandle> } = {}) {
    this.#maxOpen = opts.maxOpenHandles ?? 32;
    this.#open =
      opts.openDir ?? ((dir) => open(dir, constants.O_RDONLY | constants.O_DIRECTORY) as Promise<FileHandle>);
  }

  /** Resolves once an fsync of `dir` that started after this call has completed. */
  async sync(dir: string): Promise<void> {
    let s = this.#dirs.get(dir);
    if (s) {
      this.#dirs.delete(dir); // LRU: most recently used last
      this.#dirs.set(dir, s);
    } else {
      s = { fh: undefined, running: undefined, next: undefined, users: 0 };
      this.#dirs.set(dir, s);
      this.#evict();
    }
    s.users++;
    try {
      if (!s.running) return await this.#start(dir, s);
      // The fsync in flight may have begun before our rename: wait for the next one, which
      // every caller arriving meanwhile shares.
      s.next ??= s.running.then(
        () => this.#afterRunning(dir, s),
        () => this.#afterRunning(dir, s),
      );
      return await s.next;
    } finally {
      s.users--;
    }
  }

  #afterRunning(dir: string, s: DirState): Promise<void> {
    s.next = undefined;
    return s.running ?? this.#start(dir, s);
  }

  #start(dir: string, s: DirState): Promise<void> {
    const run = (async () => {
      s.fh ??= this.#open(dir);
      try {
        await (await s.fh).sync();
      } catch (err) {
        const fh = s.fh;
        s.fh = undefined; // reopen next time (the directory may have been recreated)
        fh.then((h) => h.close()).catch(() => {});
        throw err;
      }
    })();
    s.running = run;
    const clear = () => {
      if (s.running === run) s.running = undefined;
    };
    run.then(clear, clear);
    return run;
  }

  #evict(): void {
    if (this.#dirs.size <= this.#maxOpen) return;
    for (const [dir, s] of this.#dirs) {
      if (this.#dirs.size <= this.#maxOpen) break;
      if (s.users > 0 || s.running || s.next) continue;
      this.#dirs.delete(dir);
      s.fh?.then((h) => h.close()).catch(() => {});
    }
  }

  /** Closes every cached handle. */
  async close(): Promise<void> {
    const all = [...this.#dirs.values()];
    this.#dirs.clear();
    await Promise.all(all.map((s) => s.fh?.then((h) => h.close()).catch(() => {})));
  }
}
