// A size-capped log file per role: <dataDir>/logs/<role>.log, rotated to <role>.log.1 … .keep when
// it reaches maxBytes. Roles run in separate processes (containers in production) and share only
// the data directory, so each one appends its own file and the control API tails them all.
// Lines arrive already redacted by the logger (log/logger.ts); the file is mode 600 in a 700 dir.
import { closeSync, fstatSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface LogFileOptions {
  dir: string;
  /** File name stem: '<name>.log'. Role names (e.g. 'mx', 'mx+submission'). */
  name: string;
  /** Rotate once the file reaches this size. Default 5 MiB. */
  maxBytes?: number;
  /** Rotated files kept besides the current one. Default 2. */
  keep?: number;
}

export const LOG_SUFFIX = '.log';

/** Where every role's log file lives. */
export const logDirOf = (dataDir: string): string => join(dataDir, 'logs');

export function logFileName(name: string): string {
  if (!/^[a-z0-9+_-]{1,64}$/.test(name)) throw new Error(`invalid log name ${name}`);
  return `${name}${LOG_SUFFIX}`;
}

export class RotatingLogFile {
  readonly path: string;
  readonly #maxBytes: number;
  readonly #keep: number;
  #fd: number | undefined;
  #size = 0;

  constructor(opts: LogFileOptions) {
    mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
    this.path = join(opts.dir, logFileName(opts.name));
    this.#maxBytes = Math.max(1024, opts.maxBytes ?? 5 * 1024 * 1024);
    this.#keep = Math.max(0, opts.keep ?? 2);
    this.#open();
  }

  #open(): void {
    this.#fd = openSync(this.path, 'a', 0o600);
    this.#size = fstatSync(this.#fd).size;
  }

  /** Appends one line (a newline is added). Never throws: logging must not take a role down. */
  write(line: string): void {
    try {
      if (this.#fd === undefined) this.#open();
      const buf = Buffer.from(line + '\n', 'utf8');
      writeSync(this.#fd!, buf);
      this.#size += buf.length;
      if (this.#size >= this.#maxBytes) this.#rotate();
    } catch {
      // Disk full or the directory vanished: keep serving; stderr still has the line.
    }
  }

  #rotate(): void {
    this.close();
    if (this.#keep === 0) rmSync(this.path, { force: true });
    else {
      for (let i = this.#keep - 1; i >= 1; i--) {
        try {
          renameSync(`${this.path}.${i}`, `${this.path}.${i + 1}`);
        } catch {
          // that generation does not exist yet
        }
      }
      renameSync(this.path, `${this.path}.1`);
    }
    this.#open();
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}

/** A logger sink writing to several places (stderr and the role's file). */
export function teeSink(...sinks: Array<(line: string) => void>): (line: string) => void {
  return (line) => {
    for (const s of sinks) s(line);
  };
}
