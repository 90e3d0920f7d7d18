import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The nearest folder at or above this module's folder that holds `relative` (the source tree,
 * out/main and its chunks all sit below the project root), else undefined.
 */
export function findUp(relative: string, from: string = __dirname): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, relative))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/** Where the server image archive and its manifest are: beside the packaged app, or the project's resources/. */
export function defaultResourcesDir(): string {
  const packaged = (process as { resourcesPath?: string }).resourcesPath;
  if (packaged && existsSync(join(packaged, 'facteur-server.json'))) return packaged;
  const root = findUp(join('resources', 'facteur-server.json')) ?? findUp('package.json') ?? process.cwd();
  return join(root, 'resources');
}
