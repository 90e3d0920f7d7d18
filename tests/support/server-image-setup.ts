/**
 * Vitest global setup (integration): the server image archive in resources/, built on the test
 * bed's dockerd when missing or when any input changed (scripts/build-server.mjs hashes them all;
 * an unchanged tree costs well under a second).
 */
import { ensureServerImage } from './server-stack';

export default async function setup(): Promise<void> {
  const archive = await ensureServerImage();
  process.stderr.write(
    `[server image] ${archive.manifest.image} ${archive.manifest.imageId.slice(7, 19)} (${(archive.manifest.bytes / 1048576).toFixed(1)} MB)\n`,
  );
}
