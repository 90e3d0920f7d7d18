/**
 * What to send a server so that its Docker ends up with the bundled image: a `docker load` archive
 * holding the image's manifest and config and only the layers the server lacks. Docker skips the
 * file of any layer whose chain it already has, so the others can simply be left out.
 *
 * The archive built by `npm run build:server` is deterministic and each of its members is already
 * a complete tar entry (header, data, padding), so an upload is a list of byte ranges of that one
 * file plus the tar end marker: the same plan always gives the same bytes, which is what lets an
 * interrupted upload resume at any offset and be checked with one sha256.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { FacteurError } from '../../../shared/errors';
import type { ImageArchive, LayerFile } from './image-archive';

const BLOCK = 512;
const END_MARKER = Buffer.alloc(2 * BLOCK);

/** A member of the archive: where its header starts and how many bytes it spans with padding. */
export interface ArchiveMember {
  name: string;
  offset: number;
  span: number;
  size: number;
}

export interface UploadPlan {
  /** Byte ranges of the archive file, in order; the end marker follows them. */
  ranges: Array<{ offset: number; length: number }>;
  bytes: number;
  /** Layers the server already has (a prefix of the image's layers). */
  reusedLayers: number;
  sentLayers: LayerFile[];
}

function field(header: Buffer, start: number, length: number): string {
  const raw = header.subarray(start, start + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? length : end).toString('latin1');
}

/** Reads the archive's tar headers (a handful of members: no need to read the data). */
export async function indexArchive(path: string): Promise<Map<string, ArchiveMember>> {
  const members = new Map<string, ArchiveMember>();
  const file = await open(path, 'r');
  try {
    const { size: fileSize } = await file.stat();
    const header = Buffer.alloc(BLOCK);
    let offset = 0;
    while (offset + BLOCK <= fileSize) {
      await file.read(header, 0, BLOCK, offset);
      if (header.every((b) => b === 0)) break;
      const name = field(header, 0, 100);
      const size = parseInt(field(header, 124, 12).trim() || '0', 8);
      if (!name || !Number.isFinite(size) || field(header, 257, 5) !== 'ustar') {
        throw new FacteurError('INTERNAL', `The server image archive ${path} is damaged: reinstall Facteur.`);
      }
      const span = BLOCK + Math.ceil(size / BLOCK) * BLOCK;
      members.set(name, { name, offset, span, size });
      offset += span;
    }
  } finally {
    await file.close();
  }
  return members;
}

/**
 * The longest prefix of `layers` that one of the server's images has: layers are stacked, so a
 * layer can be reused only together with every layer below it.
 */
export function sharedLayerPrefix(layers: string[], serverImages: string[][]): number {
  let best = 0;
  for (const other of serverImages) {
    let n = 0;
    while (n < layers.length && n < other.length && other[n] === layers[n]) n++;
    best = Math.max(best, n);
  }
  return best;
}

export function planUpload(
  archive: ImageArchive,
  members: Map<string, ArchiveMember>,
  reusedLayers: number,
): UploadPlan {
  const { manifest } = archive;
  const member = (name: string): ArchiveMember => {
    const m = members.get(name);
    if (!m) {
      throw new FacteurError(
        'INTERNAL',
        `The server image archive lacks ${name}: reinstall Facteur or run \`npm run build:server\`.`,
      );
    }
    return m;
  };
  const sentLayers = manifest.layerFiles.slice(reusedLayers);
  const chosen = [member('manifest.json'), member(manifest.config), ...sentLayers.map((l) => member(l.path))];
  const ranges = chosen.map((m) => ({ offset: m.offset, length: m.span }));
  const bytes = ranges.reduce((sum, r) => sum + r.length, 0) + END_MARKER.length;
  return { ranges, bytes, reusedLayers, sentLayers };
}

/** The plan's bytes from `from` on, read from the archive as they are consumed. */
export function readPlan(path: string, plan: UploadPlan, from = 0): Readable {
  async function* chunks(): AsyncGenerator<Buffer> {
    const file = await open(path, 'r');
    try {
      let position = 0;
      for (const range of [...plan.ranges, { offset: -1, length: END_MARKER.length }]) {
        const rangeEnd = position + range.length;
        if (rangeEnd <= from) {
          position = rangeEnd;
          continue;
        }
        let skip = Math.max(0, from - position);
        while (skip < range.length) {
          const length = Math.min(1 << 20, range.length - skip);
          if (range.offset < 0) {
            yield END_MARKER.subarray(skip, skip + length);
          } else {
            const buf = Buffer.alloc(length);
            const { bytesRead } = await file.read(buf, 0, length, range.offset + skip);
            if (bytesRead !== length) {
              throw new FacteurError('INTERNAL', `The server image archive ${path} is incomplete.`);
            }
            yield buf;
          }
          skip += length;
        }
        position = rangeEnd;
      }
    } finally {
      await file.close();
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}

/** sha256 (hex) of the plan's bytes, as the server will compute it over what it received. */
export async function hashPlan(path: string, plan: UploadPlan): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of readPlan(path, plan)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
