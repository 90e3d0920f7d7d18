/**
 * The server image archive the desktop ships (resources/facteur-server-<version>.tar, a `docker
 * load` archive with one gzipped file per layer) and its manifest (resources/facteur-server.json),
 * both written by `npm run build:server`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FacteurError } from '../../../shared/errors';

export interface ImageManifest {
  name: string;
  version: string;
  /** Reference the archive tags, e.g. facteur-server:0.1.0. */
  image: string;
  /** sha256:... — the image's content address: equal id, equal image. */
  imageId: string;
  /** File name next to the manifest. */
  archive: string;
  /** Of the archive file. */
  sha256: string;
  bytes: number;
  /** The image's layers (diff ids), oldest first. */
  layers: string[];
  /** The image config's file name inside the archive. */
  config: string;
  /** Each layer's gzipped file inside the archive, in the order of `layers`. */
  layerFiles: LayerFile[];
  user: { name: string; uid: number; gid: number };
  baseImage: string;
  sourceHash: string;
  builtAt: string;
}

export interface LayerFile {
  diffId: string;
  /** Path inside the archive (layers/<hex>.tar.gz). */
  path: string;
  /** Of the gzipped file. */
  bytes: number;
  sha256: string;
  /** Of the layer once unpacked (what the server's Docker stores). */
  uncompressedBytes: number;
}

export interface ImageArchive {
  manifest: ImageManifest;
  path: string;
}

export const MANIFEST_FILE = 'facteur-server.json';

export async function readImageArchive(resourcesDir: string): Promise<ImageArchive> {
  let manifest: ImageManifest;
  try {
    manifest = JSON.parse(await readFile(join(resourcesDir, MANIFEST_FILE), 'utf8')) as ImageManifest;
  } catch (err) {
    throw new FacteurError(
      'NOT_FOUND',
      `The server image is missing from this copy of Facteur (${join(resourcesDir, MANIFEST_FILE)}: ${(err as Error).message}). Run \`npm run build:server\`.`,
    );
  }
  for (const k of ['image', 'imageId', 'archive', 'sha256', 'config'] as const) {
    if (typeof manifest[k] !== 'string' || !manifest[k])
      throw new FacteurError('INTERNAL', `${MANIFEST_FILE} has no ${k}.`);
  }
  if (
    !Array.isArray(manifest.layerFiles) ||
    manifest.layerFiles.length !== manifest.layers?.length ||
    manifest.layerFiles.some((l, i) => l.diffId !== manifest.layers[i])
  ) {
    throw new FacteurError(
      'INTERNAL',
      `${MANIFEST_FILE} does not describe the archive's layers: run \`npm run build:server\`.`,
    );
  }
  return { manifest, path: join(resourcesDir, manifest.archive) };
}
