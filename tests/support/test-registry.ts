/**
 * A real image registry for upgrade tests: Debian's docker-registry (the distribution project's
 * registry:2) serving TLS on the host side of a VPS's link (the only address the VPS reaches), with
 * a throwaway CA the VPS's Docker is told to trust (/etc/docker/certs.d). Images are pushed over
 * the registry's HTTP API straight from a bundled-format archive (its gzipped layers are the blobs).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImageManifest } from '../../src/main/services/stack/image-archive';
import { indexArchive } from '../../src/main/services/stack/image-bundle';
import { runOnVps, type VpsInfo } from '../infra/testbed';
import { waitFor } from './wait';

export const REGISTRY_BIN = '/usr/bin/docker-registry';

export interface TestRegistry {
  /** host:port, the prefix of image references. */
  address: string;
  push(resourcesDir: string, repository: string, tag: string): Promise<string>;
  stop(): void;
}

function call(
  address: string,
  ca: string,
  method: string,
  path: string,
  body?: Buffer | NodeJS.ReadableStream,
  headers: Record<string, string | number> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const req = request({ host, port: Number(port), method, path, ca, headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    if (body && Buffer.isBuffer(body)) req.end(body);
    else if (body) (body as NodeJS.ReadableStream).pipe(req);
    else req.end();
  });
}

export async function startRegistry(vps: VpsInfo): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'facteur-registry-'));
  const address = `${vps.hostSideAddress}:5000`;
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=facteur test registry',
      '-addext',
      `subjectAltName=IP:${vps.hostSideAddress}`,
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  writeFileSync(
    join(dir, 'config.yml'),
    [
      'version: 0.1',
      'log: { level: warn }',
      `storage: { filesystem: { rootdirectory: ${join(dir, 'data')} } }`,
      `http: { addr: "${address}", tls: { certificate: ${join(dir, 'cert.pem')}, key: ${join(dir, 'key.pem')} } }`,
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(REGISTRY_BIN, ['serve', join(dir, 'config.yml')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  const ca = readFileSync(join(dir, 'cert.pem'), 'utf8');
  await waitFor(
    `the registry on ${address} (${log})`,
    async () => ((await call(address, ca, 'GET', '/v2/')).status === 200 ? true : undefined),
    20_000,
    200,
  );
  // The VPS's Docker trusts this CA for this registry only (read at each pull, no restart).
  await runOnVps(
    vps.index,
    `mkdir -p /etc/docker/certs.d/${address} && cat > /etc/docker/certs.d/${address}/ca.crt`,
    {
      input: ca,
    },
  );

  const pushBlob = async (
    repo: string,
    digest: string,
    size: number,
    body: () => NodeJS.ReadableStream | Buffer,
  ) => {
    if ((await call(address, ca, 'HEAD', `/v2/${repo}/blobs/${digest}`)).status === 200) return;
    const start = await call(address, ca, 'POST', `/v2/${repo}/blobs/uploads/`, undefined, {
      'Content-Length': 0,
    });
    const location = String(start.headers.location);
    const url = new URL(location, `https://${address}`);
    url.searchParams.set('digest', digest);
    const put = await call(address, ca, 'PUT', `${url.pathname}${url.search}`, body(), {
      'Content-Type': 'application/octet-stream',
      'Content-Length': size,
    });
    if (put.status !== 201) throw new Error(`blob ${digest}: ${put.status} ${put.text}`);
  };

  return {
    address,
    async push(resourcesDir, repository, tag) {
      const manifest = JSON.parse(
        readFileSync(join(resourcesDir, 'facteur-server.json'), 'utf8'),
      ) as ImageManifest;
      const archive = join(resourcesDir, manifest.archive);
      const members = await indexArchive(archive);
      const memberStream = (name: string) => {
        const m = members.get(name)!;
        return createReadStream(archive, { start: m.offset + 512, end: m.offset + 512 + m.size - 1 });
      };
      for (const l of manifest.layerFiles)
        await pushBlob(repository, `sha256:${l.sha256}`, l.bytes, () => memberStream(l.path));
      const config = members.get(manifest.config)!;
      await pushBlob(repository, manifest.imageId, config.size, () => memberStream(manifest.config));
      const body = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
          config: {
            mediaType: 'application/vnd.docker.container.image.v1+json',
            size: config.size,
            digest: manifest.imageId,
          },
          layers: manifest.layerFiles.map((l) => ({
            mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
            size: l.bytes,
            digest: `sha256:${l.sha256}`,
          })),
        }),
      );
      const put = await call(address, ca, 'PUT', `/v2/${repository}/manifests/${tag}`, body, {
        'Content-Type': 'application/vnd.docker.distribution.manifest.v2+json',
        'Content-Length': body.length,
      });
      if (put.status !== 201) throw new Error(`manifest: ${put.status} ${put.text}`);
      return `sha256:${createHash('sha256').update(body).digest('hex')}`;
    },
    stop() {
      child.kill('SIGTERM');
    },
  };
}
