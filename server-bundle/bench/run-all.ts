// Runs every bench/*.bench.ts in turn (each in its own Node 24 process, so they do not disturb
// one another) and, with --json, prints ONE JSON object merging their results:
//   npm run bench -- --json            all server benchmarks
//   npm run bench -- --only smtp       just bench/smtp.bench.ts (any other args are passed on)
// A benchmark that fails is reported on stderr and makes the exit code non-zero.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const json = argv.includes('--json');
const onlyAt = argv.indexOf('--only');
const only = onlyAt >= 0 ? argv[onlyAt + 1]?.split(',') : undefined;
const passOn = onlyAt >= 0 ? argv.filter((_, i) => i !== onlyAt && i !== onlyAt + 1) : argv;

const benches = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => !only || only.includes(f.replace(/\.bench\.ts$/, '')))
  .sort();

function run(file: string): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(here, file), ...passOn], {
      stdio: ['ignore', json ? 'pipe' : 'inherit', 'inherit'],
    });
    let stdout = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.once('exit', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), stdout }));
  });
}

const merged: Record<string, unknown> = {};
let failed = false;
for (const file of benches) {
  if (!json) console.log(`\n== ${file}`);
  const { code, stdout } = await run(file);
  if (code !== 0) {
    failed = true;
    process.stderr.write(`bench ${file} failed with exit code ${code}\n`);
    continue;
  }
  if (!json) continue;
  const line = stdout
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.trim().startsWith('{'));
  if (!line) {
    failed = true;
    process.stderr.write(`bench ${file} printed no JSON object\n`);
    continue;
  }
  Object.assign(merged, JSON.parse(line) as Record<string, unknown>);
}
if (json) console.log(JSON.stringify(merged));
process.exitCode = failed ? 1 : 0;
