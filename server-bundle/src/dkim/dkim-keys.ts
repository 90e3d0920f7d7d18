// Per-domain DKIM keys, kept on the server (the outbound role signs with them):
//   <dataDir>/dkim/<domain>/keys.json          selectors, algorithm, public key, active flag
//   <dataDir>/dkim/<domain>/<selector>.pem     PKCS#8 private key, mode 600 (directories 700)
// Rotation: generate a new pair (inactive while a key of that algorithm is active), publish its
// TXT records, activate it (the previous one stays published until removed, so mail signed with
// it still verifies), then remove the old selector. At most one active key per algorithm: the
// signer adds an RSA-2048 and an Ed25519 signature side by side (RFC 8463).
import { createPrivateKey, createPublicKey, generateKeyPair, randomBytes } from 'node:crypto';
import { readFile, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { writeFileDurable } from '../storage/durable-write.ts';
import {
  dkimPublicKeyData,
  dkimRecordName,
  dkimTxtValue,
  txtChunks,
  type DkimAlgorithm,
} from './dkim-dns.ts';

const generate = promisify(generateKeyPair);

export const DKIM_ALGORITHMS: readonly DkimAlgorithm[] = ['rsa', 'ed25519'];
const SUFFIX: Record<DkimAlgorithm, string> = { rsa: 'rsa', ed25519: 'ed' };
export const SELECTOR_STEM = /^[a-z0-9](?:[a-z0-9-]{0,40}[a-z0-9])?$/;
const SELECTOR = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/;

interface StoredKey {
  selector: string;
  algorithm: DkimAlgorithm;
  /** the p= value */
  publicKey: string;
  createdAt: string;
  active: boolean;
}

interface DomainFile {
  v: 1;
  keys: StoredKey[];
}

export interface DkimKeyInfo {
  selector: string;
  algorithm: DkimAlgorithm;
  active: boolean;
  createdAt: string;
  dns: { name: string; type: 'TXT'; value: string; chunks: string[] };
}

export interface DkimSigningKey {
  selector: string;
  algorithm: DkimAlgorithm;
  privateKeyPem: string;
}

export class DkimError extends Error {
  override name = 'DkimError';
  readonly code: 'NOT_FOUND' | 'EXISTS' | 'INVALID' | 'ACTIVE';
  constructor(code: DkimError['code'], message: string) {
    super(message);
    this.code = code;
  }
}

function stamp(d: Date): string {
  return d.toISOString().slice(0, 10).replace(/-/g, '');
}

export class DkimKeyStore {
  readonly #dir: string;
  #queue: Promise<unknown> = Promise.resolve();

  /** dir: <dataDir>/dkim */
  constructor(dir: string) {
    this.#dir = dir;
  }

  /** Serializes read-modify-write of the metadata (one control process writes). */
  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #domainDir(domain: string): string {
    if (!DOMAIN.test(domain)) throw new DkimError('INVALID', 'invalid domain name');
    return join(this.#dir, domain);
  }

  async #read(domain: string): Promise<DomainFile> {
    try {
      return JSON.parse(await readFile(join(this.#domainDir(domain), 'keys.json'), 'utf8')) as DomainFile;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { v: 1, keys: [] };
      throw err;
    }
  }

  #write(domain: string, file: DomainFile): Promise<void> {
    return writeFileDurable(join(this.#domainDir(domain), 'keys.json'), JSON.stringify(file, null, 2) + '\n');
  }

  #info(domain: string, k: StoredKey): DkimKeyInfo {
    const value = dkimTxtValue(k.algorithm, k.publicKey);
    return {
      selector: k.selector,
      algorithm: k.algorithm,
      active: k.active,
      createdAt: k.createdAt,
      dns: { name: dkimRecordName(k.selector, domain), type: 'TXT', value, chunks: txtChunks(value) },
    };
  }

  async list(domain: string): Promise<DkimKeyInfo[]> {
    return (await this.#read(domain)).keys.map((k) => this.#info(domain, k));
  }

  /**
   * New key pairs (default: one RSA-2048 and one Ed25519) under selectors `<stem>-rsa` / `<stem>-ed`.
   * A new key is active when asked, or when no key of its algorithm is active yet.
   */
  async generate(
    domain: string,
    opts: { algorithms?: readonly DkimAlgorithm[]; stem?: string; activate?: boolean; now?: Date } = {},
  ): Promise<DkimKeyInfo[]> {
    const stem = opts.stem ?? `f${stamp(opts.now ?? new Date())}${randomBytes(2).toString('hex')}`;
    if (!SELECTOR_STEM.test(stem))
      throw new DkimError('INVALID', 'selector must be lower-case letters, digits and hyphens');
    const algorithms = [...new Set(opts.algorithms ?? DKIM_ALGORITHMS)];
    // Key generation (RSA ~100 ms) happens outside the lock.
    const made = await Promise.all(
      algorithms.map(async (algorithm) => {
        const pair =
          algorithm === 'rsa'
            ? await generate('rsa', { modulusLength: 2048, publicExponent: 0x10001 })
            : await generate('ed25519');
        return {
          algorithm,
          selector: `${stem}-${SUFFIX[algorithm]}`,
          pem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
          p: dkimPublicKeyData(pair.publicKey, algorithm),
        };
      }),
    );
    return this.#exclusive(async () => {
      const file = await this.#read(domain);
      for (const m of made) {
        if (file.keys.some((k) => k.selector === m.selector))
          throw new DkimError('EXISTS', `selector ${m.selector} exists`);
      }
      const created: StoredKey[] = [];
      for (const m of made) {
        await writeFileDurable(join(this.#domainDir(domain), `${m.selector}.pem`), m.pem, 0o600);
        const activate =
          opts.activate === true || !file.keys.some((k) => k.algorithm === m.algorithm && k.active);
        if (activate) for (const k of file.keys) if (k.algorithm === m.algorithm) k.active = false;
        const k: StoredKey = {
          selector: m.selector,
          algorithm: m.algorithm,
          publicKey: m.p,
          createdAt: (opts.now ?? new Date()).toISOString(),
          active: activate,
        };
        file.keys.push(k);
        created.push(k);
      }
      await this.#write(domain, file);
      return created.map((k) => this.#info(domain, k));
    });
  }

  /** Makes `selector` the active key of its algorithm. */
  activate(domain: string, selector: string): Promise<DkimKeyInfo> {
    return this.#exclusive(async () => {
      const file = await this.#read(domain);
      const key = file.keys.find((k) => k.selector === selector);
      if (!key) throw new DkimError('NOT_FOUND', `no DKIM selector ${selector}`);
      for (const k of file.keys) if (k.algorithm === key.algorithm) k.active = k === key;
      await this.#write(domain, file);
      return this.#info(domain, key);
    });
  }

  /** Removes an inactive selector (activate its successor first). */
  remove(domain: string, selector: string): Promise<void> {
    return this.#exclusive(async () => {
      const file = await this.#read(domain);
      const key = file.keys.find((k) => k.selector === selector);
      if (!key) throw new DkimError('NOT_FOUND', `no DKIM selector ${selector}`);
      if (key.active)
        throw new DkimError(
          'ACTIVE',
          'activate another key of this algorithm before removing the active one',
        );
      file.keys = file.keys.filter((k) => k !== key);
      await this.#write(domain, file);
      if (SELECTOR.test(selector))
        await unlink(join(this.#domainDir(domain), `${selector}.pem`)).catch(() => undefined);
    });
  }

  /** Every key of the domain, files included (the domain is being removed). */
  removeDomain(domain: string): Promise<void> {
    return this.#exclusive(() => rm(this.#domainDir(domain), { recursive: true, force: true }));
  }

  /** What the outbound signer needs: the active key of each algorithm, with its private key. */
  async activeKeys(domain: string): Promise<DkimSigningKey[]> {
    const file = await this.#read(domain);
    const out: DkimSigningKey[] = [];
    for (const k of file.keys.filter((x) => x.active)) {
      const privateKeyPem = await readFile(join(this.#domainDir(domain), `${k.selector}.pem`), 'utf8');
      // A key file that does not match its published record must never sign.
      if (dkimPublicKeyData(createPublicKey(createPrivateKey(privateKeyPem)), k.algorithm) !== k.publicKey) {
        throw new Error(`DKIM key ${k.selector} of ${domain} does not match its record`);
      }
      out.push({ selector: k.selector, algorithm: k.algorithm, privateKeyPem });
    }
    return out;
  }
}
