// The only module that imports node-forge: builds the self-signed certificate a fresh server
// presents until a real one (ACME) replaces it. The RSA key itself comes from Node's native crypto.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import forge from 'node-forge';

export interface SelfSignedOptions {
  /** DNS names and/or IP literals; the first is the subject CN. */
  hostNames: readonly string[];
  validDays?: number;
  now?: Date;
}

export interface PemPair {
  keyPem: string;
  certPem: string;
}

export function generateSelfSigned(opts: SelfSignedOptions): PemPair {
  const names = [...new Set(opts.hostNames.map((n) => n.trim().toLowerCase()).filter(Boolean))];
  if (!names.length) throw new Error('at least one host name is needed for a certificate');
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  // Positive 128-bit serial (leading bit cleared).
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f;
  cert.serialNumber = serial.toString('hex');
  const now = opts.now ?? new Date();
  cert.validity.notBefore = new Date(now.getTime() - 5 * 60_000);
  cert.validity.notAfter = new Date(now.getTime() + (opts.validDays ?? 825) * 86_400_000);
  const subject = [
    { name: 'commonName', value: names[0]!.slice(0, 64) },
    { name: 'organizationName', value: 'Facteur (self-signed)' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: names.map((n) => (isIP(n) ? { type: 7, ip: n } : { type: 2, value: n })),
    },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create());
  return { keyPem: privateKey, certPem: forge.pki.certificateToPem(cert) };
}
