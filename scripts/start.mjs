// `npm start`: build if needed, then run the Electron app; where the Electron runtime cannot be
// obtained, say so in one line and open the same panel in the browser through the browser host.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const run = (cmd, args, opts = {}) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

const lock = join(root, 'node_modules', '.package-lock.json');
if (!existsSync(lock) || statSync(join(root, 'package-lock.json')).mtimeMs > statSync(lock).mtimeMs) {
  if (run('npm', ['ci', '--no-audit', '--no-fund']).status !== 0) process.exit(1);
}

const built = join(root, 'out', 'main', 'index.js');
if (!existsSync(built) || newestMtime(join(root, 'src')) > statSync(built).mtimeMs) {
  if (run('npx', ['electron-vite', 'build', '--logLevel', 'warn']).status !== 0) process.exit(1);
}

function electronBinary() {
  const probe = spawnSync(process.execPath, ['-e', "process.stdout.write(require('electron'))"], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  const path = probe.status === 0 ? probe.stdout.trim() : '';
  return path && existsSync(path) ? path : null;
}

const electron = process.env.FACTEUR_BROWSER ? null : electronBinary();
if (electron) {
  const child = spawn(electron, ['.'], { cwd: root, stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  console.log(
    'Facteur: the Electron runtime is not available on this machine, so the panel opens in your browser instead.',
  );
  const child = spawn(process.execPath, [join(root, 'out', 'main', 'browser-host.js'), '--open'], {
    cwd: root,
    stdio: 'inherit',
  });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code) => process.exit(code ?? 0));
}
