import { generateKeyPair } from '../../src/crypto/hybrid-kem.ts';
import { MailCore, type MailCoreOptions } from '../../src/domain/mail-core.ts';

/** Cheap KDF for tests that log in many times; the real cost is measured in the bench and KDF test. */
export const TEST_KDF = { memory: 1024, passes: 1, parallelism: 1 };

export async function newCore(dataDir: string, opts: Partial<MailCoreOptions> = {}) {
  const core = await MailCore.open({ dataDir, kdfCost: TEST_KDF, ...opts });
  const recovery = generateKeyPair(); // the owner's desktop keeps this; never on the server
  core.config.addDomain('example.com');
  return { core, recovery };
}

export function rfc822(subject: string, body: string, from = 'sender@remote.org'): Buffer {
  return Buffer.from(
    `From: Sender <${from}>\r\nTo: alice@example.com\r\nSubject: ${subject}\r\n` +
      `Date: Tue, 2 Jan 2024 09:00:00 +0000\r\nMessage-ID: <${subject.replace(/\W/g, '')}@remote.org>\r\n` +
      `Content-Type: text/plain; charset=utf-8\r\n\r\n${body}\r\n`,
  );
}
