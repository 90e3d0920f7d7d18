// TLS material for every protocol role. On first start a self-signed certificate for the configured
// host names is generated and stored in <dataDir>/tls/server.pem (private key + certificate chain
// in ONE file, mode 0600, so a crash can never leave a key that does not match its certificate).
// Listeners never hold a certificate themselves: they ask the provider for the current
// SecureContext on each handshake (SNICallback) or subscribe to changes (setSecureContext), so
// replace() — what the ACME job will call — takes effect without restarting anything and without
// dropping open connections. Other processes sharing the data directory pick a replacement up
// through watch() / reloadIfChanged().
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { constants } from 'node:fs';
import { link, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createSecureContext, type SecureContext, type Server as TlsServer } from 'node:tls';
import type { Logger } from '../log/logger.ts';
import { generateSelfSigned } from './forge-adapter.ts';

export interface TlsMaterial {
  /** PEM private key */
  key: string;
  /** PEM certificate chain, leaf first */
  cert: string;
}

export interface CertificateInfo {
  subject: string;
  altNames: string[];
  notBefore: Date;
  notAfter: Date;
  fingerprint256: string;
  selfSigned: boolean;
}

export interface TlsProviderOptions {
  /** Directory holding server.pem; typically <dataDir>/tls. */
  dir: string;
  /** Names the self-signed certificate covers (DNS names or IPs). Default: the machine's host name. */
  hostNames?: readonly string[];
  /** Regenerate a self-signed certificate that expires within this many days. Default 30. */
  renewBeforeDays?: number;
  log?: Logger;
}

const FILE = 'server.pem';
const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]+?-----END \1-----\r?\n?/g;

function splitPem(pem: string): TlsMaterial {
  let key = '';
  const certs: string[] = [];
  for (const m of pem.matchAll(PEM_BLOCK)) {
    const block = m[0].endsWith('\n') ? m[0] : m[0] + '\n';
    if (m[1]!.includes('PRIVATE KEY')) key = block;
    else if (m[1] === 'CERTIFICATE') certs.push(block);
  }
  if (!key || !certs.length)
    throw new Error('TLS bundle must hold a private key and at least one certificate');
  return { key, cert: certs.join('') };
}

/** Checks the key matches the leaf certificate; returns the leaf. */
export function validateMaterial(m: TlsMaterial): X509Certificate {
  const { cert } = splitPem(m.key + m.cert);
  const leaf = new X509Certificate(cert.slice(0, cert.indexOf('-----END CERTIFICATE-----') + 25));
  if (!leaf.checkPrivateKey(createPrivateKey(m.key)))
    throw new Error('TLS private key does not match the certificate');
  return leaf;
}

function infoOf(leaf: X509Certificate): CertificateInfo {
  return {
    subject: leaf.subject,
    altNames: (leaf.subjectAltName ?? '').split(', ').filter(Boolean),
    notBefore: new Date(leaf.validFrom),
    notAfter: new Date(leaf.validTo),
    fingerprint256: leaf.fingerprint256,
    selfSigned: leaf.subject === leaf.issuer && leaf.verify(leaf.publicKey),
  };
}

function covers(leaf: X509Certificate, name: string): boolean {
  return name.includes(':') || /^\d+\.\d+\.\d+\.\d+$/.test(name)
    ? leaf.checkIP(name) !== undefined
    : leaf.checkHost(name) !== undefined;
}

async function fsyncDir(dir: string): Promise<void> {
  const h = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

async function writeTemp(dir: string, content: string): Promise<string> {
  const tmp = join(dir, `.${FILE}.tmp-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    await fh.writeFile(content);
    await fh.sync();
  } finally {
    await fh.close();
  }
  return tmp;
}

type Listener = (m: TlsMaterial) => void;

export class TlsProvider {
  readonly #dir: string;
  readonly #log: Logger | undefined;
  readonly #listeners = new Set<Listener>();
  #material: TlsMaterial;
  #context: SecureContext;
  #info: CertificateInfo;
  #mtimeMs = 0;
  #watch: NodeJS.Timeout | undefined;

  private constructor(dir: string, material: TlsMaterial, mtimeMs: number, log?: Logger) {
    this.#dir = dir;
    this.#log = log;
    this.#material = material;
    this.#info = infoOf(validateMaterial(material));
    this.#context = createSecureContext({ key: material.key, cert: material.cert, minVersion: 'TLSv1.2' });
    this.#mtimeMs = mtimeMs;
  }

  /** Loads <dir>/server.pem, or creates a self-signed one (also when the stored self-signed one is stale). */
  static async loadOrCreate(opts: TlsProviderOptions): Promise<TlsProvider> {
    const names = opts.hostNames?.length ? [...opts.hostNames] : [hostname()];
    const renewMs = (opts.renewBeforeDays ?? 30) * 86_400_000;
    await mkdir(opts.dir, { recursive: true, mode: 0o700 });
    const path = join(opts.dir, FILE);
    const existing = await TlsProvider.#read(path);
    if (existing) {
      const leaf = validateMaterial(existing.material);
      const info = infoOf(leaf);
      const stale =
        info.selfSigned &&
        (info.notAfter.getTime() - Date.now() < renewMs || !names.every((n) => covers(leaf, n)));
      if (!stale) return new TlsProvider(opts.dir, existing.material, existing.mtimeMs, opts.log);
      opts.log?.info('tls.self_signed_regenerate', { reason: 'expiring or host names changed' });
    }
    const pair = generateSelfSigned({ hostNames: names });
    const tmp = await writeTemp(opts.dir, pair.keyPem + pair.certPem);
    if (existing) {
      await rename(tmp, path);
    } else {
      // Several roles may start at once: link() fails if another one created the file first;
      // then everybody uses that one, so all listeners present the same certificate.
      try {
        await link(tmp, path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      } finally {
        await unlink(tmp).catch(() => {});
      }
    }
    await fsyncDir(opts.dir);
    const now = await TlsProvider.#read(path);
    if (!now) throw new Error(`${path} vanished while being created`);
    opts.log?.info('tls.loaded', { file: path, selfSigned: true, names });
    return new TlsProvider(opts.dir, now.material, now.mtimeMs, opts.log);
  }

  static async #read(path: string): Promise<{ material: TlsMaterial; mtimeMs: number } | undefined> {
    try {
      const st = await stat(path);
      if ((st.mode & 0o077) !== 0)
        throw new Error(`${path} must not be readable by group or others (chmod 600)`);
      return { material: splitPem(await readFile(path, 'utf8')), mtimeMs: st.mtimeMs };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  get material(): TlsMaterial {
    return this.#material;
  }

  get info(): CertificateInfo {
    return this.#info;
  }

  /** The current context; handshakes started after a replace() get the new one. */
  secureContext(): SecureContext {
    return this.#context;
  }

  /** For tls.createServer / TLSSocket options: resolves every handshake to the current context. */
  readonly sniCallback = (
    _servername: string,
    cb: (err: Error | null, ctx?: SecureContext) => void,
  ): void => {
    cb(null, this.#context);
  };

  /** Called with the new material after each replacement. Returns an unsubscribe function. */
  onChange(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Keeps a node tls.Server's default context current (for handshakes without SNI). */
  attach(server: TlsServer): () => void {
    return this.onChange((m) => server.setSecureContext({ key: m.key, cert: m.cert, minVersion: 'TLSv1.2' }));
  }

  /** Installs a new key + chain (e.g. from ACME): validated, stored durably, then swapped in. */
  async replace(material: TlsMaterial): Promise<CertificateInfo> {
    const m = splitPem(material.key + material.cert);
    validateMaterial(m);
    const tmp = await writeTemp(this.#dir, m.key + m.cert);
    await rename(tmp, join(this.#dir, FILE));
    await fsyncDir(this.#dir);
    const st = await stat(join(this.#dir, FILE));
    this.#swap(m, st.mtimeMs);
    return this.#info;
  }

  /** Re-reads server.pem if another process replaced it. Returns true when it changed. */
  async reloadIfChanged(): Promise<boolean> {
    const cur = await TlsProvider.#read(join(this.#dir, FILE));
    if (!cur || cur.mtimeMs === this.#mtimeMs) return false;
    if (cur.material.key === this.#material.key && cur.material.cert === this.#material.cert) {
      this.#mtimeMs = cur.mtimeMs;
      return false;
    }
    this.#swap(cur.material, cur.mtimeMs);
    return true;
  }

  /** Polls server.pem (every intervalMs) so replacements made by another role apply here too. */
  watch(intervalMs = 60_000): void {
    this.unwatch();
    this.#watch = setInterval(() => {
      this.reloadIfChanged().catch((err: unknown) => this.#log?.warn('tls.reload_failed', { err }));
    }, intervalMs);
    this.#watch.unref();
  }

  unwatch(): void {
    if (this.#watch) clearInterval(this.#watch);
    this.#watch = undefined;
  }

  #swap(m: TlsMaterial, mtimeMs: number): void {
    const info = infoOf(validateMaterial(m));
    this.#context = createSecureContext({ key: m.key, cert: m.cert, minVersion: 'TLSv1.2' });
    this.#material = m;
    this.#info = info;
    this.#mtimeMs = mtimeMs;
    this.#log?.info('tls.replaced', {
      subject: info.subject,
      notAfter: info.notAfter.toISOString(),
      fingerprint256: info.fingerprint256,
    });
    for (const l of this.#listeners) {
      try {
        l(m);
      } catch (err) {
        this.#log?.warn('tls.listener_failed', { err });
      }
    }
  }
}
