// What the certificate manager keeps in <dataDir>/acme (directory 0700, files 0600):
//   account.key      the ACME account's private key (PEM); one key for every CA
//   account.json     { directoryUrl, accountUrl } of the account registered with the current CA
//   status.json      last attempt, last success, last error in plain words (control API)
//   request.json     a pending request for a certificate (control API / CLI -> jobs role)
//   challenges/      HTTP-01 responses for the web role (challenge-store.ts)
// The certificate itself is <dataDir>/tls/server.pem, written by TlsProvider.replace().
import { constants } from 'node:fs';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';

export interface AcmeAccountRecord {
  directoryUrl: string;
  accountUrl: string;
}

export interface AcmeStatus {
  /** The owner asked for a CA certificate at least once: from then on the jobs role keeps one. */
  wanted: boolean;
  directoryUrl?: string;
  lastAttemptAt?: string;
  lastSuccessAt?: string;
  /** Plain words, null after a success. */
  lastError?: string | null;
  lastErrorAt?: string;
  /** Names asked for in the last attempt. */
  names?: string[];
  /** Wall time of the last successful issuance, ms. */
  issuanceMs?: number;
}

export interface CertificateRequest {
  /** Issue even when the current certificate is valid and covers every name (forced renewal). */
  force: boolean;
  requestedAt: string;
}

export function acmeDirOf(dataDir: string): string {
  return join(dataDir, 'acme');
}

async function writePrivate(path: string, content: string): Promise<void> {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o600);
  try {
    await fh.writeFile(content);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function readJson<T>(path: string): Promise<T | undefined> {
  const text = await readOptional(path);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined; // a torn or hand-edited file: treated as absent, rewritten on the next change
  }
}

export class AcmeStore {
  readonly dir: string;

  constructor(dataDir: string) {
    this.dir = acmeDirOf(dataDir);
  }

  async #ensureDir(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
  }

  /** The account key, created with `generate` the first time. */
  async accountKey(generate: () => Promise<string>): Promise<string> {
    const path = join(this.dir, 'account.key');
    const existing = await readOptional(path);
    if (existing) return existing;
    await this.#ensureDir();
    const pem = await generate();
    await writePrivate(path, pem);
    return pem;
  }

  account(): Promise<AcmeAccountRecord | undefined> {
    return readJson(join(this.dir, 'account.json'));
  }

  async saveAccount(rec: AcmeAccountRecord): Promise<void> {
    await this.#ensureDir();
    await writePrivate(join(this.dir, 'account.json'), JSON.stringify(rec, null, 2) + '\n');
  }

  async status(): Promise<AcmeStatus> {
    return (await readJson<AcmeStatus>(join(this.dir, 'status.json'))) ?? { wanted: false };
  }

  async updateStatus(patch: Partial<AcmeStatus>): Promise<AcmeStatus> {
    const next = { ...(await this.status()), ...patch };
    await this.#ensureDir();
    await writePrivate(join(this.dir, 'status.json'), JSON.stringify(next, null, 2) + '\n');
    return next;
  }

  /** Asks the process that runs ACME (jobs role) for a certificate; picked up within acme.requestPollMs. */
  async request(opts: { force?: boolean } = {}): Promise<CertificateRequest> {
    const req: CertificateRequest = { force: opts.force ?? false, requestedAt: new Date().toISOString() };
    await this.#ensureDir();
    await writePrivate(join(this.dir, 'request.json'), JSON.stringify(req) + '\n');
    return req;
  }

  /** Claims the pending request, if any (a request made meanwhile stays for the next round). */
  async takeRequest(): Promise<CertificateRequest | undefined> {
    const path = join(this.dir, 'request.json');
    const claimed = `${path}.${process.pid}.taken`;
    try {
      await rename(path, claimed);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const req = await readJson<CertificateRequest>(claimed);
    await unlink(claimed).catch(() => {});
    return req ?? { force: false, requestedAt: new Date().toISOString() };
  }
}
