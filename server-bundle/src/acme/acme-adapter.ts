// The only module that imports acme-client: one ACME account at one CA, and the HTTP-01 order flow
// (RFC 8555 §7.4): order -> authorizations -> publish each key authorization (through `responder`,
// which the web role serves on port 80) -> ask the CA to validate -> finalize with our CSR ->
// download the chain. Each name is validated in parallel; every failure is turned into plain words
// (acme-errors.ts) naming the host and the URL the CA tried.
import { generateKeyPairSync } from 'node:crypto';
import { Agent, get as httpsGet } from 'node:https';
import { rootCertificates } from 'node:tls';
import acme from 'acme-client';
import { CertificateError, explainCaError, explainChallengeError } from './acme-errors.ts';

export interface AcmeCaOptions {
  directoryUrl: string;
  accountKeyPem: string;
  /** Known account URL at this CA (skips one round trip); registered otherwise. */
  accountUrl?: string;
  /** Extra CA certificate (PEM) trusted for the directory's HTTPS, e.g. pebble's. */
  caPem?: string;
  /** Backoff while an order or challenge is pending. */
  pollMinMs?: number;
  pollMaxMs?: number;
  pollAttempts?: number;
  /** Each HTTP request to the CA. Default 30 s. */
  requestTimeoutMs?: number;
  /** Retries of a request that got no answer, a 5xx or a 429 (Retry-After honoured). Default 3. */
  requestRetries?: number;
  /** Delay before retry n is n times this, in seconds, when the CA gives no Retry-After. Default 2. */
  requestRetryDelaySeconds?: number;
}

/** Publishes and withdraws HTTP-01 responses (FileChallengeStore, read by the web role). */
export interface Http01Responder {
  put(token: string, keyAuthorization: string): Promise<void>;
  remove(token: string): Promise<void>;
}

export interface IssuedCertificate {
  /** PEM (PKCS#8) private key of the certificate, generated here, never sent anywhere. */
  keyPem: string;
  /** PEM chain, leaf first. */
  certPem: string;
}

/** A new key for an ACME account (EC P-256: small JWS signatures). */
export function generateAccountKey(): string {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
    type: 'pkcs8',
    format: 'pem',
  }) as string;
}

/** RSA-2048 for the certificate itself: every mail client of the last twenty years handles it. */
function generateCertificateKey(): string {
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
    type: 'pkcs8',
    format: 'pem',
  }) as string;
}

export class AcmeCa {
  readonly directoryUrl: string;
  readonly #client: acme.Client;
  readonly #agent: Agent;
  readonly #timeoutMs: number;

  constructor(opts: AcmeCaOptions) {
    this.directoryUrl = opts.directoryUrl;
    // acme-client sends every request through one shared axios instance: one CA per process.
    acme.axios.defaults.timeout = opts.requestTimeoutMs ?? 30_000;
    const settings = (
      acme.axios.defaults as { acmeSettings?: { retryMaxAttempts: number; retryDefaultDelay: number } }
    ).acmeSettings;
    if (settings) {
      settings.retryMaxAttempts = opts.requestRetries ?? 3;
      settings.retryDefaultDelay = opts.requestRetryDelaySeconds ?? 2;
    }
    this.#agent = new Agent({
      keepAlive: true,
      ...(opts.caPem ? { ca: [...rootCertificates, opts.caPem] } : {}),
    });
    this.#timeoutMs = opts.requestTimeoutMs ?? 30_000;
    acme.axios.defaults.httpsAgent = this.#agent;
    this.#client = new acme.Client({
      directoryUrl: opts.directoryUrl,
      accountKey: opts.accountKeyPem,
      ...(opts.accountUrl ? { accountUrl: opts.accountUrl } : {}),
      backoffMin: opts.pollMinMs ?? 2_000,
      backoffMax: opts.pollMaxMs ?? 30_000,
      backoffAttempts: opts.pollAttempts ?? 12,
    });
  }

  /**
   * Fetches the directory once with Node's own client: acme-client turns a network or TLS failure
   * into a bare TypeError after its retries, so the cause (refused, unknown host, untrusted
   * certificate) is read here first, where it can still be named.
   */
  async probe(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const req = httpsGet(this.directoryUrl, { agent: this.#agent, timeout: this.#timeoutMs }, (res) => {
        res.resume();
        if ((res.statusCode ?? 0) >= 500) reject(new Error(`the directory answered HTTP ${res.statusCode}`));
        else if (res.statusCode !== 200)
          reject(
            new Error(
              `the directory answered HTTP ${res.statusCode}: is ${this.directoryUrl} an ACME directory URL?`,
            ),
          );
        else resolve();
      });
      req.on('timeout', () =>
        req.destroy(Object.assign(new Error('no answer in time'), { code: 'ETIMEDOUT' })),
      );
      req.on('error', reject);
    }).catch((err: unknown) => {
      throw explainCaError(err, this.directoryUrl);
    });
  }

  /** Registers the account (or finds the existing one for this key) and returns its URL. */
  async register(email?: string): Promise<string> {
    await this.probe();
    try {
      try {
        return this.#client.getAccountUrl();
      } catch {
        /* not known yet */
      }
      await this.#client.createAccount({
        termsOfServiceAgreed: true,
        ...(email ? { contact: [`mailto:${email}`] } : {}),
      });
      return this.#client.getAccountUrl();
    } catch (err) {
      throw explainCaError(err, this.directoryUrl);
    }
  }

  /** One certificate covering every name (the first is the subject CN). */
  async issue(names: readonly string[], responder: Http01Responder): Promise<IssuedCertificate> {
    if (!names.length)
      throw new CertificateError(
        'other',
        'There is no host name to ask a certificate for: add a domain first.',
        'no names',
      );
    const keyPem = generateCertificateKey();
    try {
      const [, csr] = await acme.crypto.createCsr({ commonName: names[0]!, altNames: [...names] }, keyPem);
      const order = await this.#client.createOrder({
        identifiers: names.map((value) => ({ type: 'dns', value })),
      });
      const authorizations = await this.#client.getAuthorizations(order);
      const results = await Promise.allSettled(
        authorizations.map((authz) => this.#validate(authz, responder)),
      );
      const failures = results.flatMap((r) =>
        r.status === 'rejected' ? [r.reason as CertificateError] : [],
      );
      if (failures.length) {
        const first = failures[0]!;
        throw failures.length === 1
          ? first
          : new CertificateError(
              first.kind,
              failures.map((f) => f.message).join('\n'),
              failures.map((f) => f.detail).join('\n'),
            );
      }
      const finalized = await this.#client.finalizeOrder(order, csr);
      const certPem = await this.#client.getCertificate(finalized);
      return { keyPem, certPem };
    } catch (err) {
      throw explainCaError(err, this.directoryUrl);
    }
  }

  async #validate(authz: acme.Authorization, responder: Http01Responder): Promise<void> {
    if (authz.status === 'valid') return; // validated recently by this account: nothing to prove
    const name = authz.identifier.value;
    const challenge = authz.challenges.find((c) => c.type === 'http-01');
    if (!challenge) {
      throw new CertificateError(
        'rejected',
        `The certificate authority offers no HTTP-01 validation for ${name}.`,
        JSON.stringify(authz.challenges.map((c) => c.type)),
      );
    }
    const token = challenge.token;
    const keyAuthorization = await this.#client.getChallengeKeyAuthorization(challenge);
    await responder.put(token, keyAuthorization);
    try {
      await this.#client.completeChallenge(challenge);
      await this.#client.waitForValidStatus(challenge);
    } catch (err) {
      throw explainChallengeError(err, name, token);
    } finally {
      await responder.remove(token).catch(() => {});
    }
  }
}
