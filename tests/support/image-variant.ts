/**
 * Other versions of the bundled server image, for the upgrade tests: the real image plus one more
 * layer, written as a resources folder like `npm run build:server` writes (an archive with one
 * gzipped file per layer, facteur-server.json, CHANGELOG.md). Made in Node from the archive itself:
 * no image build, the same inputs give the same bytes.
 *
 * The layer can replace the bundle chunk holding the config database's migrations with one that
 * has more (each inserts a row `upgrade-probe` = its version in `settings`), and can wrap the
 * entrypoint so one role's container exits at start (a deliberately broken release).
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
import tarStream from 'tar-stream';
import type { ImageArchive, ImageManifest, LayerFile } from '../../src/main/services/stack/image-archive';
import { indexArchive } from '../../src/main/services/stack/image-bundle';
import { VERSION_LABEL } from '../../src/main/services/upgrade/versions';

export interface VariantOptions {
  version: string;
  /** Config-database migrations appended after the bundled ones (one probe row each). */
  extraMigrations: string[];
  /** A role whose container exits at start (and fails its health check). */
  brokenRole?: string;
  changelog: string;
}

async function member(path: string, name: string): Promise<Buffer> {
  const m = (await indexArchive(path)).get(name);
  if (!m) throw new Error(`${name} not in ${path}`);
  const chunks: Buffer[] = [];
  for await (const c of createReadStream(path, { start: m.offset + 512, end: m.offset + 512 + m.size - 1 }))
    chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** The files of one layer (regular files only), by path inside the image. */
async function layerFiles(gz: Buffer, wanted: (name: string) => boolean): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const extract = tarStream.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (header.type === 'file' && wanted(header.name)) out.set(header.name, Buffer.concat(chunks));
        next();
      });
      stream.resume();
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  extract.end(gunzipSync(gz));
  await done;
  return out;
}

async function tarOf(files: Array<{ name: string; data: Buffer; mode: number }>): Promise<Buffer> {
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise((r) => pack.on('end', r));
  for (const f of files) {
    pack.entry(
      { name: f.name, size: f.data.length, mode: f.mode, uid: 0, gid: 0, mtime: new Date(0) },
      f.data,
    );
  }
  pack.finalize();
  await ended;
  return Buffer.concat(chunks);
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

export async function imageVariant(base: ImageArchive, opts: VariantOptions): Promise<string> {
  const { manifest, path } = base;
  // The chunk with CONFIG_MIGRATIONS and the entrypoint script, as the base image has them.
  const found = new Map<string, Buffer>();
  for (const l of manifest.layerFiles) {
    const files = await layerFiles(
      await member(path, l.path),
      (n) => /^opt\/facteur\/.*\.mjs$/.test(n) || n === 'usr/local/bin/facteur-server',
    );
    for (const [n, data] of files) found.set(n, data);
  }
  const added: Array<{ name: string; data: Buffer; mode: number }> = [];
  if (opts.extraMigrations.length) {
    const chunk = [...found].find(([, d]) => d.includes('var CONFIG_MIGRATIONS=[`'));
    if (!chunk) throw new Error('no bundle chunk holds CONFIG_MIGRATIONS');
    const text = chunk[1].toString('utf8');
    const start = text.indexOf('var CONFIG_MIGRATIONS=[`');
    const end = text.indexOf('`]', start + 25);
    const extra = opts.extraMigrations.map((m) => JSON.stringify(m)).join(',');
    added.push({
      name: chunk[0],
      data: Buffer.from(`${text.slice(0, end + 1)},${extra}${text.slice(end + 1)}`),
      mode: 0o644,
    });
  }
  if (opts.brokenRole) {
    const real = found.get('usr/local/bin/facteur-server');
    if (!real) throw new Error('no entrypoint script in the image');
    added.push({ name: 'usr/local/lib/facteur/facteur-server.real', data: real, mode: 0o755 });
    added.push({
      name: 'usr/local/bin/facteur-server',
      mode: 0o755,
      data: Buffer.from(
        '#!/bin/sh\n# A deliberately broken release (upgrade test): this role never starts.\n' +
          `case " $* " in *" ${opts.brokenRole} "*) echo "broken on purpose" >&2; exit 1;; esac\n` +
          'exec /usr/local/lib/facteur/facteur-server.real "$@"\n',
      ),
    });
  }
  const layerTar = await tarOf(added);
  const layerGz = gzipSync(layerTar, { level: 6 });
  const diffId = `sha256:${sha256(layerTar)}`;
  const newLayer: LayerFile = {
    diffId,
    path: `layers/${diffId.slice(7)}.tar.gz`,
    bytes: layerGz.length,
    sha256: sha256(layerGz),
    uncompressedBytes: layerTar.length,
  };

  const config = JSON.parse((await member(path, manifest.config)).toString('utf8')) as {
    config: { Env?: string[]; Labels?: Record<string, string> };
    rootfs: { diff_ids: string[] };
    history?: Array<Record<string, unknown>>;
  };
  config.config.Env = [
    ...(config.config.Env ?? []).filter((e) => !e.startsWith('FACTEUR_VERSION=')),
    `FACTEUR_VERSION=${opts.version}`,
  ];
  config.config.Labels = { ...config.config.Labels, [VERSION_LABEL]: opts.version };
  config.rootfs.diff_ids = [...config.rootfs.diff_ids, diffId];
  config.history = [
    ...(config.history ?? []),
    { created: '1970-01-01T00:00:00Z', created_by: 'upgrade test variant' },
  ];
  const configBytes = Buffer.from(JSON.stringify(config));
  const imageId = `sha256:${sha256(configBytes)}`;
  const configName = `${imageId.slice(7)}.json`;

  const dir = await mkdtemp(join(tmpdir(), `facteur-variant-${opts.version}-`));
  const image = `${manifest.name}:${opts.version}`;
  const archiveName = `${manifest.name}-${opts.version}.tar`;
  const layers = [...manifest.layerFiles, newLayer];
  const pack = tarStream.pack();
  const written = pipeline(pack, createWriteStream(join(dir, archiveName)));
  const entry = (name: string, data: Buffer) =>
    new Promise<void>((resolve, reject) =>
      pack.entry(
        { name, size: data.length, mode: 0o644, uid: 0, gid: 0, mtime: new Date(0), uname: '', gname: '' },
        data,
        (e) => (e ? reject(e) : resolve()),
      ),
    );
  await entry(
    'manifest.json',
    Buffer.from(
      JSON.stringify([{ Config: configName, RepoTags: [image], Layers: layers.map((l) => l.path) }]),
    ),
  );
  await entry(configName, configBytes);
  for (const l of manifest.layerFiles) await entry(l.path, await member(path, l.path));
  await entry(newLayer.path, layerGz);
  pack.finalize();
  await written;

  const archiveBytes = await readFile(join(dir, archiveName));
  const out: ImageManifest = {
    ...manifest,
    version: opts.version,
    image,
    imageId,
    archive: archiveName,
    sha256: sha256(archiveBytes),
    bytes: (await stat(join(dir, archiveName))).size,
    layers: layers.map((l) => l.diffId),
    config: configName,
    layerFiles: layers,
  };
  await writeFile(join(dir, 'facteur-server.json'), JSON.stringify(out, null, 2) + '\n');
  await writeFile(join(dir, 'CHANGELOG.md'), opts.changelog);
  return dir;
}
