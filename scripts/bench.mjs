// `npm run bench [-- --json]`: runs every benchmark (desktop ones under tests/bench with Node 20,
// the server bundle's with Node 24) and prints their figures, as a table or as one JSON object.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const json = process.argv.includes('--json');
const results = {};

function collect(cmd, args, cwd) {
  const res = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    env: process.env,
  });
  if (res.status !== 0) {
    console.error(`benchmark failed: ${cmd} ${args.join(' ')}`);
    process.exitCode = 1;
  }
  for (const line of res.stdout.split('\n')) {
    const trimmed = line.trim();
    if (trimmed.startsWith('{')) Object.assign(results, JSON.parse(trimmed));
  }
}

for (const file of readdirSync(join(root, 'tests', 'bench'))
  .filter((f) => f.endsWith('.bench.ts'))
  .sort()) {
  collect('npx', ['tsx', join('tests', 'bench', file)], root);
}
if (existsSync(join(root, 'server-bundle', 'node_modules'))) {
  collect('npm', ['run', '--silent', 'bench', '--', '--json'], join(root, 'server-bundle'));
}

if (json) console.log(JSON.stringify(results, null, 2));
else for (const [name, value] of Object.entries(results)) console.log(`${name.padEnd(36)} ${value}`);
