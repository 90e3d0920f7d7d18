import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findUp } from './app-paths';

/** The app version from package.json, found relative to the built or source file. */
export function appVersion(): string {
  for (const dir of [findUp('package.json') ?? process.cwd(), process.cwd()]) {
    try {
      return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      // try the next candidate
    }
  }
  return '0.0.0';
}
