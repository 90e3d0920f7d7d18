/**
 * Test helpers for the deploy journey: an "older version" of the bundled image that lacks its top
 * layer (an upgrade then changes exactly one layer), the bytes a VPS received on its wire, and a
 * slower link for fault tests.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import tarStream from 'tar-stream';
import type { ImageArchive } from '../../src/main/services/stack/image-archive';
import { indexArchive } from '../../src/main/services/stack/image-bundle';
import type { VpsInfo } from '../infra/testbed';

async function member(path: string, name: string): Promise<Buffer> {
  const m = (await indexArchive(path)).get(name);
  if (!m) throw new Error(`${name} not in ${path}`);
  const chunks: Buffer[] = [];
  for await (const c of createReadStream(path, { start: m.offset + 512, end: m.offset + 512 + m.size - 1 }))
    chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Writes a `docker load` archive of the bundled image without its top layer, tagged `ref`: what a
 * server running the previous version (same base, older application layer) holds.
 */
export async function olderImageArchive(archive: ImageArchive, ref: string): Promise<string> {
  const { manifest, path } = archive;
  const config = JSON.parse((await member(path, manifest.config)).toString('utf8')) as {
    rootfs: { diff_ids: string[] };
    history?: Array<{ empty_layer?: boolean }>;
  };
  config.rootfs.diff_ids = config.rootfs.diff_ids.slice(0, -1);
  if (config.history) {
    const lastReal = config.history.map((h) => !h.empty_layer).lastIndexOf(true);
    config.history = config.history.slice(0, lastReal);
  }
  const configBytes = Buffer.from(JSON.stringify(config));
  const configName = `${createHash('sha256').update(configBytes).digest('hex')}.json`;
  const layers = manifest.layerFiles.slice(0, -1);
  const out = join(await mkdtemp(join(tmpdir(), 'facteur-older-')), 'older.tar');
  const pack = tarStream.pack();
  const written = pipeline(pack, createWriteStream(out));
  const add = (name: string, data: Buffer): void => void pack.entry({ name, size: data.length }, data);
  add(
    'manifest.json',
    Buffer.from(JSON.stringify([{ Config: configName, RepoTags: [ref], Layers: layers.map((l) => l.path) }])),
  );
  add(configName, configBytes);
  for (const l of layers) add(l.path, await member(path, l.path));
  pack.finalize();
  await written;
  return out;
}

/** Bytes the host has sent to a VPS so far (its side of the veth pair). */
export function bytesSentTo(vps: VpsInfo): number {
  const iface = `fvps${vps.index}`;
  return Number(readFileSync(`/sys/class/net/${iface}/statistics/tx_bytes`, 'utf8'));
}

/** Caps the host -> VPS bandwidth (tc tbf on the host side), or removes the cap. */
export function limitBandwidth(vps: VpsInfo, rate: string | null): void {
  const iface = `fvps${vps.index}`;
  try {
    execFileSync('tc', ['qdisc', 'del', 'dev', iface, 'root'], { stdio: 'ignore' });
  } catch {
    // no cap yet
  }
  if (rate) {
    execFileSync('tc', [
      'qdisc',
      'add',
      'dev',
      iface,
      'root',
      'tbf',
      'rate',
      rate,
      'burst',
      '256kb',
      'latency',
      '100ms',
    ]);
  }
}
