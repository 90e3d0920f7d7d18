// The server's version, reported by the control API. The image build sets FACTEUR_VERSION (a
// bundled server has no package.json next to it); from the source tree it is package.json's.
import { readFileSync } from 'node:fs';

function fromPackageJson(): string | undefined {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version?: unknown;
    };
    return typeof pkg.version === 'string' ? pkg.version : undefined;
  } catch {
    return undefined;
  }
}

export const SERVER_VERSION: string = process.env.FACTEUR_VERSION || fromPackageJson() || 'unknown';
