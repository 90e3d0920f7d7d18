// Large SQLite databases are staged as a folder of fixed-size pieces (<name>.pages/<hi>/<lo>)
// instead of one file. Why: SQLite changes pages all over a file (b-tree interior pages, the
// full-text index, the freelist) even when only a little mail arrives, and restic's
// content-defined chunks average 1 MiB, so a few scattered 4 KiB page writes would make restic
// store most of a mailbox again. One piece per 64 KiB keeps the cost of a changed page to its
// piece. Unchanged pieces keep their file (and mtime): restic does not even read them again.
// A restore joins the pieces back (joinPagedDatabases) before anything is moved into place.
import { mkdir, open, readdir, readFile, rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';

export const PAGES_SUFFIX = '.pages';
/** Databases at least this big are split (smaller ones are cheap to store again whole). */
export const SPLIT_MIN_BYTES = 4 * 1024 * 1024;
export const PIECE_BYTES = 64 * 1024;
const PER_DIR = 256;

const pieceRel = (i: number) =>
  join(
    Math.floor(i / PER_DIR)
      .toString(16)
      .padStart(4, '0'),
    (i % PER_DIR).toString(16).padStart(2, '0'),
  );

/**
 * Writes `copy` (a consistent copy of the database) as pieces under `dir`, rewriting only the
 * pieces whose bytes changed; returns the relative paths of all pieces (for the staging prune).
 */
export async function writePieces(copy: string, dir: string, mtime: Date): Promise<string[]> {
  const fh = await open(copy, 'r');
  const rels: string[] = [];
  try {
    const { size } = await fh.stat();
    const buf = Buffer.alloc(PIECE_BYTES);
    for (let i = 0, off = 0; off < size; i++, off += PIECE_BYTES) {
      const { bytesRead } = await fh.read(buf, 0, PIECE_BYTES, off);
      const piece = buf.subarray(0, bytesRead);
      const rel = pieceRel(i);
      rels.push(rel);
      const path = join(dir, rel);
      let same = false;
      try {
        same = (await readFile(path)).equals(piece);
      } catch {
        // a new piece
      }
      if (same) continue;
      await mkdir(join(path, '..'), { recursive: true, mode: 0o700 });
      const tmp = `${path}.partial`;
      const out = await open(tmp, 'w', 0o600);
      try {
        await out.writeFile(piece);
      } finally {
        await out.close();
      }
      await utimes(tmp, mtime, mtime);
      await rename(tmp, path);
    }
  } finally {
    await fh.close();
  }
  return rels;
}

/** Joins every <name>.pages folder under `root` back into <name> (after a restore). */
export async function joinPagedDatabases(root: string): Promise<void> {
  for (const entry of await readdir(root, { withFileTypes: true })) {
    const path = join(root, entry.name);
    if (!entry.isDirectory()) continue;
    if (!entry.name.endsWith(PAGES_SUFFIX)) {
      await joinPagedDatabases(path);
      continue;
    }
    const target = path.slice(0, -PAGES_SUFFIX.length);
    const tmp = `${target}.partial`;
    const out = await open(tmp, 'w', 0o600);
    let mtime = new Date(0);
    try {
      for (const hi of (await readdir(path)).sort()) {
        for (const lo of (await readdir(join(path, hi))).sort()) {
          const piece = join(path, hi, lo);
          const st = await stat(piece);
          if (st.mtime > mtime) mtime = st.mtime;
          await out.write(await readFile(piece));
        }
      }
      await out.sync();
    } finally {
      await out.close();
    }
    await utimes(tmp, mtime, mtime);
    await rename(tmp, target);
    await rm(path, { recursive: true, force: true });
  }
}
