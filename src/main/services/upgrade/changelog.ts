/**
 * The server bundle's changelog (server-bundle/CHANGELOG.md, one `## <version> (<date>)` section per
 * version, a `- ` line per change), read beside the bundled image, and what changes between two
 * versions.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChangelogEntry } from '../../../shared/upgrade';
import { findUp } from '../../app-paths';
import { compareVersions } from './versions';

export const CHANGELOG_FILE = 'CHANGELOG.md';

export function parseChangelog(text: string): ChangelogEntry[] {
  const entries: ChangelogEntry[] = [];
  let current: ChangelogEntry | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const heading = /^##\s+v?(\d+\.\d+\.\d+[^\s(]*)\s*(?:\((\d{4}-\d{2}-\d{2})\))?/.exec(raw);
    if (heading) {
      current = { version: heading[1]!, ...(heading[2] ? { date: heading[2] } : {}), changes: [] };
      entries.push(current);
      continue;
    }
    if (!current) continue;
    const item = /^[-*]\s+(.*)$/.exec(raw);
    if (item) current.changes.push(item[1]!.trim());
    else if (/^\s+\S/.test(raw) && current.changes.length) {
      // A wrapped change line continues the previous item.
      current.changes[current.changes.length - 1] += ` ${raw.trim()}`;
    }
  }
  return entries;
}

/** Sections newer than `running` and not newer than `target`, newest first. */
export function changesBetween(
  entries: ChangelogEntry[],
  running: string | null,
  target: string,
): ChangelogEntry[] {
  return entries
    .filter(
      (e) => (!running || compareVersions(e.version, running) > 0) && compareVersions(e.version, target) <= 0,
    )
    .sort((a, b) => compareVersions(b.version, a.version));
}

/**
 * The changelog shipped with the image: beside its manifest in the resources folder (packaged
 * app), else the project's server-bundle/CHANGELOG.md (a development tree). Empty when neither exists.
 */
export async function readBundledChangelog(resourcesDir: string): Promise<ChangelogEntry[]> {
  const candidates = [join(resourcesDir, CHANGELOG_FILE)];
  const root = findUp(join('server-bundle', CHANGELOG_FILE));
  if (root) candidates.push(join(root, 'server-bundle', CHANGELOG_FILE));
  for (const path of candidates) {
    try {
      return parseChangelog(await readFile(path, 'utf8'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return [];
}
