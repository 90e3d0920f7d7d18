// `npm run build:server [-- --force] [--no-cache] [--base-image IMAGE] [--no-archive]`
//
// Builds the Facteur server image and the archive the desktop app ships:
//   1. bundles server-bundle/src with esbuild into server-bundle/dist/image/ (facteur-server.mjs,
//      the light facteur-probe.mjs for healthchecks, the native SQLite addon, the entrypoint),
//   2. `docker build` of server-bundle/Dockerfile on DOCKER_HOST — by default the test bed's own
//      dockerd (tests/infra) with its offline base image, else the official node:24-bookworm-slim,
//   3. `docker save`, repacked into resources/facteur-server-<version>.tar: an image archive that
//      `docker load` takes as it is, whose layers are gzipped one by one (layers/<diff id>.tar.gz),
//      so the desktop can send a server only the layers it lacks (src/main/services/stack/
//      image-bundle.ts); described by resources/facteur-server.json (sha256, image id, each layer's
//      file and sizes, the hash of every input).
// Nothing is rebuilt when the inputs' hash matches the manifest and the archive is intact.
// Prints one JSON line (the manifest plus timings) on stdout; progress goes to stderr.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';
import { build, version as esbuildVersion } from 'esbuild';
import tarStream from 'tar-stream';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SB = join(ROOT, 'server-bundle');
const DIST = join(SB, 'dist', 'image');
const RESOURCES = join(ROOT, 'resources');
const MANIFEST = join(RESOURCES, 'facteur-server.json');
const ADDON = join(SB, 'node_modules/better-sqlite3-multiple-ciphers/build/Release/better_sqlite3.node');
const SETUP_STAMP = join(SB, 'node_modules/.facteur-setup-stamp');
const HEADERS = '24.18.1';
const FACTEUR_UID = 10025;
const OFFICIAL_BASE = 'node:24-bookworm-slim';
const TESTBED_STATE = '/run/facteur-testbed/state.json';

// --no-cache: build every layer again (measures a cold build; Debian packages are fetched again).
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const log = (msg) => process.stderr.write(`[build:server] ${msg}\n`);
const t0 = performance.now();
const seconds = (since) => Math.round((performance.now() - since) / 100) / 10;

function fail(msg) {
  log(`error: ${msg}`);
  process.exit(1);
}

function run(cmd, argv, opts = {}) {
  const res = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  if (res.error) fail(`${cmd}: ${res.error.message}`);
  if (res.status !== 0 && !opts.allowFail)
    fail(`${cmd} ${argv.join(' ')} exited with ${res.status}:\n${res.stderr}`);
  return res;
}

// --- where to build ------------------------------------------------------------------------------
function testbedState() {
  try {
    return JSON.parse(readFileSync(TESTBED_STATE, 'utf8'));
  } catch {
    return undefined;
  }
}
const bed = testbedState();
const dockerHost = process.env.DOCKER_HOST || bed?.dockerHost;
if (!dockerHost) fail('no DOCKER_HOST and no test bed (run `bash tests/infra/setup.sh` or set DOCKER_HOST)');
const onTestbed = Boolean(bed && dockerHost === bed.dockerHost);
const baseImage =
  option('--base-image') || process.env.FACTEUR_BASE_IMAGE || (onTestbed ? bed.baseImage : OFFICIAL_BASE);
const dockerEnv = { ...process.env, DOCKER_HOST: dockerHost, DOCKER_BUILDKIT: '0' };
const docker = (argv, opts = {}) => run('docker', argv, { env: dockerEnv, ...opts });

const serverPkg = JSON.parse(readFileSync(join(SB, 'package.json'), 'utf8'));
const version = serverPkg.version;
const tag = `facteur-server:${version}`;
const archiveName = `facteur-server-${version}.tar`;
const archivePath = join(RESOURCES, archiveName);

// --- dependencies of the server bundle (Node 24, addon against 24.18.1 headers) -------------------
function ensureServerDeps() {
  const stampOk = () =>
    existsSync(SETUP_STAMP) && readFileSync(SETUP_STAMP, 'utf8').includes(`headers:${HEADERS}`);
  if (existsSync(ADDON) && stampOk()) return;
  log(
    'server-bundle dependencies missing: running server-bundle/scripts/setup.sh (under the shared npm lock)',
  );
  run('flock', ['/tmp/facteur-server-npm.lock', 'bash', join(SB, 'scripts/setup.sh')], { stdio: 'inherit' });
  if (!existsSync(ADDON) || !stampOk())
    fail(`no ${relative(ROOT, ADDON)} built against Node ${HEADERS} headers`);
}

// --- content hash of every input -----------------------------------------------------------------
function listFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? listFiles(p) : e.isFile() ? [p] : [];
  });
}

function sourceHash(baseId) {
  const h = createHash('sha256');
  const files = [
    ...listFiles(join(SB, 'src')),
    ...listFiles(join(SB, 'image')),
    join(SB, 'package.json'),
    join(SB, 'package-lock.json'),
    join(SB, 'Dockerfile'),
    join(SB, '.dockerignore'),
    fileURLToPath(import.meta.url),
    ADDON,
  ].sort();
  for (const f of files) {
    h.update(relative(ROOT, f)).update('\0').update(readFileSync(f)).update('\0');
  }
  h.update(`esbuild ${esbuildVersion}\0base ${baseImage} ${baseId}\0uid ${FACTEUR_UID}\0`);
  return h.digest('hex');
}

function sha256File(path) {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (d) => h.update(d))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

// --- bundling ------------------------------------------------------------------------------------
// The protocol adapters load CommonJS libraries (wildduck) through createRequire(import.meta.url);
// dropping that local `require` lets esbuild see the calls and bundle the libraries. better-sqlite3
// finds its addon through `bindings`; in the bundle it is one file next to the module (or
// FACTEUR_SQLITE_ADDON). The banner runs in every output file (the entry and each chunk).
const bundlePlugin = {
  name: 'facteur-server',
  setup(b) {
    b.onLoad({ filter: /server-bundle\/src\/.*\.ts$/ }, (a) => ({
      contents: readFileSync(a.path, 'utf8').replace(
        /^const require = createRequire\(import\.meta\.url\);$/m,
        '',
      ),
      loader: 'ts',
    }));
    b.onResolve({ filter: /^bindings$/ }, () => ({ path: 'bindings', namespace: 'facteur-addon' }));
    b.onLoad({ filter: /.*/, namespace: 'facteur-addon' }, () => ({
      contents:
        'module.exports = (name) => require(process.env.FACTEUR_SQLITE_ADDON || ' +
        "require('node:path').join(__facteur_dirname, name));",
      loader: 'js',
    }));
  },
};
const BANNER =
  "import { createRequire as __facteur_cr } from 'node:module';" +
  "import { dirname as __facteur_dn } from 'node:path';" +
  "import { fileURLToPath as __facteur_fu } from 'node:url';" +
  'const require = __facteur_cr(import.meta.url);' +
  'const __facteur_dirname = __facteur_dn(__facteur_fu(import.meta.url));';

async function bundle() {
  rmSync(DIST, { recursive: true, force: true });
  mkdirSync(DIST, { recursive: true });
  const common = {
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    // Whitespace and syntax only: smaller source (V8 keeps it in memory in every process) while
    // function names stay readable in stack traces.
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'none',
    banner: { js: BANNER },
    plugins: [bundlePlugin],
    logLevel: 'warning',
    metafile: true,
    absWorkingDir: SB,
  };
  // Code splitting: roles.ts and main.ts import each role's and command's code when it runs, so
  // each becomes a chunk that only the processes running it load (memory per process).
  const main = await build({
    ...common,
    entryPoints: { 'facteur-server': join(SB, 'src/run/main.ts') },
    outdir: DIST,
    splitting: true,
    entryNames: '[name]',
    chunkNames: 'facteur-chunk-[hash]',
    outExtension: { '.js': '.mjs' },
  });
  const probe = await build({
    ...common,
    stdin: {
      contents:
        "import { probeMain } from './src/run/probe-main.ts';\n" +
        'probeMain(process.argv.slice(2)).catch((err) => {\n' +
        "  process.stderr.write('facteur-server: ' + (err instanceof Error ? err.message : String(err)) + '\\n');\n" +
        "  process.exit(err?.constructor?.name === 'ConfigError' ? 2 : 1);\n" +
        '});\n',
      resolveDir: SB,
      sourcefile: 'facteur-probe.ts',
      loader: 'ts',
    },
    outfile: join(DIST, 'facteur-probe.mjs'),
  });
  const external = Object.keys(probe.metafile.inputs).filter((p) => p.includes('node_modules/'));
  if (external.length)
    fail(`the probe bundle must stay free of dependencies, it pulls ${external.join(', ')}`);
  copyFileSync(ADDON, join(DIST, 'better_sqlite3.node'));
  copyFileSync(join(SB, 'image/facteur-server'), join(DIST, 'facteur-server'));
  chmodSync(join(DIST, 'facteur-server'), 0o755);
  writeFileSync(join(DIST, 'THIRD-PARTY-LICENSES.txt'), licenses(main.metafile));
  return readdirSync(DIST)
    .filter((f) => f.endsWith('.mjs') && f !== 'facteur-probe.mjs')
    .reduce((sum, f) => sum + statSync(join(DIST, f)).size, 0);
}

/** The licence of every package bundled (plus the addon's), for the image's /opt/facteur. */
function licenses(metafile) {
  const dirs = new Set(['node_modules/better-sqlite3-multiple-ciphers']);
  for (const input of Object.keys(metafile.inputs)) {
    const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m) dirs.add(m[1]);
  }
  const parts = ['Third-party software bundled in facteur-server.mjs and better_sqlite3.node.\n'];
  for (const dir of [...dirs].sort()) {
    const abs = join(SB, dir);
    let pkg;
    try {
      pkg = JSON.parse(readFileSync(join(abs, 'package.json'), 'utf8'));
    } catch {
      continue;
    }
    const file = readdirSync(abs).find((f) => /^(licen[cs]e|copying)/i.test(f));
    parts.push(
      `\n==== ${pkg.name}@${pkg.version} (${typeof pkg.license === 'string' ? pkg.license : 'see below'})\n` +
        (file ? readFileSync(join(abs, file), 'utf8').trim() + '\n' : ''),
    );
  }
  return parts.join('');
}

// --- image and archive ---------------------------------------------------------------------------
function imageInspect(ref) {
  const res = docker(['image', 'inspect', ref], { allowFail: true });
  return res.status === 0 ? JSON.parse(res.stdout)[0] : undefined;
}

/** Writes `docker save` of the image, repacked with one gzipped file per layer (see the header). */
async function saveArchive(image) {
  mkdirSync(RESOURCES, { recursive: true });
  const work = join(RESOURCES, `.save-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work);
  try {
    const save = spawn('docker', ['save', tag], { env: dockerEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    const untar = spawn('tar', ['-x', '-C', work], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    save.stderr.on('data', (d) => (stderr += d));
    untar.stderr.on('data', (d) => (stderr += d));
    const closed = (p) => new Promise((resolve) => p.on('close', resolve));
    save.stdout.pipe(untar.stdin);
    const [saveCode, untarCode] = await Promise.all([closed(save), closed(untar)]);
    if (saveCode !== 0 || untarCode !== 0)
      fail(`docker save | tar -x failed (${saveCode}/${untarCode}): ${stderr}`);
    const [saved] = JSON.parse(readFileSync(join(work, 'manifest.json'), 'utf8'));
    const diffIds = image.RootFS.Layers;
    if (saved.Layers.length !== diffIds.length)
      fail('docker save listed another number of layers than the image');
    // Deterministic members (fixed owner, mode and time; gzip without a time stamp): the same image
    // gives the same archive, and the desktop can rebuild any subset of it byte for byte.
    const pack = tarStream.pack();
    const out = createWriteStream(`${archivePath}.tmp-${process.pid}`);
    const written = pipeline(pack, out);
    const entry = (name, size) => ({
      name,
      size,
      mode: 0o644,
      uid: 0,
      gid: 0,
      mtime: new Date(0),
      uname: '',
      gname: '',
    });
    const addBuffer = (name, buf) =>
      new Promise((resolve, reject) =>
        pack.entry(entry(name, buf.length), buf, (e) => (e ? reject(e) : resolve())),
      );
    const layerFiles = [];
    for (let i = 0; i < diffIds.length; i++) {
      const diffId = diffIds[i];
      const gz = join(work, `${diffId.slice(7)}.tar.gz`);
      const raw = join(work, saved.Layers[i]);
      await pipeline(createReadStream(raw), createGzip({ level: 6 }), createWriteStream(gz));
      layerFiles.push({
        diffId,
        path: `layers/${diffId.slice(7)}.tar.gz`,
        bytes: statSync(gz).size,
        sha256: await sha256File(gz),
        uncompressedBytes: statSync(raw).size,
        local: gz,
      });
    }
    const configName = `${image.Id.slice(7)}.json`;
    const manifestJson = Buffer.from(
      JSON.stringify([{ Config: configName, RepoTags: [tag], Layers: layerFiles.map((l) => l.path) }]),
    );
    await addBuffer('manifest.json', manifestJson);
    await addBuffer(configName, readFileSync(join(work, saved.Config)));
    for (const l of layerFiles) {
      await new Promise((resolve, reject) => {
        const sink = pack.entry(entry(l.path, l.bytes), (e) => (e ? reject(e) : resolve()));
        createReadStream(l.local).on('error', reject).pipe(sink);
      });
      delete l.local;
    }
    pack.finalize();
    await written;
    renameSync(`${archivePath}.tmp-${process.pid}`, archivePath);
    return { configName, layerFiles };
  } finally {
    rmSync(work, { recursive: true, force: true });
    rmSync(`${archivePath}.tmp-${process.pid}`, { force: true });
  }
}

async function main() {
  ensureServerDeps();
  const base = imageInspect(baseImage);
  if (!base && onTestbed) fail(`the test bed has no ${baseImage}: run \`bash tests/infra/setup.sh\``);
  const hash = sourceHash(base?.Id ?? 'not-pulled-yet');
  const previous = existsSync(MANIFEST) ? JSON.parse(readFileSync(MANIFEST, 'utf8')) : undefined;
  if (
    !flag('--force') &&
    previous?.sourceHash === hash &&
    existsSync(archivePath) &&
    statSync(archivePath).size === previous.bytes &&
    (flag('--trust-archive') || (await sha256File(archivePath)) === previous.sha256)
  ) {
    log(`up to date: ${relative(ROOT, archivePath)} (${(previous.bytes / 1048576).toFixed(1)} MB)`);
    process.stdout.write(JSON.stringify({ ...previous, upToDate: true, seconds: seconds(t0) }) + '\n');
    return;
  }

  let t = performance.now();
  const bundleBytes = await bundle();
  const bundleS = seconds(t);
  log(`bundled server: ${(bundleBytes / 1048576).toFixed(2)} MB in ${bundleS} s`);

  t = performance.now();
  const replaced = imageInspect(tag)?.Id;
  log(`docker build ${tag} from ${baseImage} on ${dockerHost}`);
  docker(
    [
      'build',
      '--network',
      'host',
      '--build-arg',
      `BASE_IMAGE=${baseImage}`,
      '--build-arg',
      `FACTEUR_VERSION=${version}`,
      '--build-arg',
      `FACTEUR_UID=${FACTEUR_UID}`,
      '--label',
      `org.facteur.source-hash=${hash}`,
      '--label',
      `org.facteur.base-image=${baseImage}`,
      ...(flag('--no-cache') ? ['--no-cache'] : []),
      '-t',
      tag,
      '-f',
      join(SB, 'Dockerfile'),
      SB,
    ],
    { stdio: ['ignore', process.env.FACTEUR_BUILD_VERBOSE ? 'inherit' : 'ignore', 'pipe'] },
  );
  const dockerBuildS = seconds(t);
  const image = imageInspect(tag);
  // The previous build of this tag would stay behind untagged; its cached parent layers are shared
  // with the new image and stay.
  if (replaced && replaced !== image.Id) docker(['rmi', replaced], { allowFail: true });
  log(`built ${image.Id.slice(7, 19)} in ${dockerBuildS} s`);

  // Smoke test: the bundle and its addon load, as the image's user on a read-only root, offline.
  t = performance.now();
  docker([
    'run',
    '--rm',
    '--network',
    'none',
    '--read-only',
    '--cap-drop',
    'ALL',
    '--security-opt',
    'no-new-privileges',
    '--tmpfs',
    `/var/lib/facteur:uid=${FACTEUR_UID},gid=${FACTEUR_UID},mode=700`,
    tag,
    'init',
  ]);
  const smokeS = seconds(t);

  if (flag('--no-archive')) {
    process.stdout.write(JSON.stringify({ image: tag, imageId: image.Id, sourceHash: hash }) + '\n');
    return;
  }
  t = performance.now();
  const { configName, layerFiles } = await saveArchive(image);
  const sha256 = await sha256File(archivePath);
  const bytes = statSync(archivePath).size;
  const saveS = seconds(t);
  for (const f of readdirSync(RESOURCES)) {
    if (/^facteur-server-.*\.tar(\.gz)?$/.test(f) && f !== archiveName) rmSync(join(RESOURCES, f));
  }
  const manifest = {
    name: 'facteur-server',
    version,
    image: tag,
    imageId: image.Id,
    archive: archiveName,
    sha256,
    bytes,
    uncompressedBytes: image.Size,
    layers: image.RootFS.Layers,
    config: configName,
    layerFiles,
    user: { name: 'facteur', uid: FACTEUR_UID, gid: FACTEUR_UID },
    baseImage,
    sourceHash: hash,
    builtAt: new Date().toISOString(),
  };
  writeFileSync(`${MANIFEST}.tmp`, JSON.stringify(manifest, null, 2) + '\n');
  renameSync(`${MANIFEST}.tmp`, MANIFEST);
  log(
    `wrote ${relative(ROOT, archivePath)}: ${(bytes / 1048576).toFixed(1)} MB in ${saveS} s (total ${seconds(t0)} s)`,
  );
  process.stdout.write(
    JSON.stringify({
      ...manifest,
      upToDate: false,
      seconds: seconds(t0),
      timings: { bundleS, dockerBuildS, smokeS, saveS },
    }) + '\n',
  );
}

main().catch((err) => fail(err?.stack ?? String(err)));
