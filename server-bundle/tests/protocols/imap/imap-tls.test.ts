// TLS on the IMAP and POP3 listeners follows the TLS provider: a replaced certificate is presented
// to the next handshake (implicit TLS and STARTTLS / STLS, with and without SNI), no restart.
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSelfSigned } from '../../../src/tls/forge-adapter.ts';
import { LineWire } from '../line-wire.ts';
import { startMailStack, type MailStack } from '../mail-stack.ts';

let stack: MailStack;

beforeAll(async () => {
  stack = await startMailStack({ pop3: true });
});

afterAll(async () => {
  await stack?.stop();
});

function fingerprint(port: number, servername?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s: TLSSocket = tlsConnect(
      { host: '127.0.0.1', port, rejectUnauthorized: false, ...(servername ? { servername } : {}) },
      () => {
        resolve(s.getPeerCertificate().fingerprint256);
        s.destroy();
      },
    );
    s.once('error', reject);
  });
}

async function starttlsFingerprint(): Promise<string> {
  const w = await LineWire.connect({ host: '127.0.0.1', port: stack.port('imap', 'starttls'), tls: false });
  await w.until((l) => l.startsWith('* OK'));
  await w.imap('s', 'STARTTLS');
  await w.startTls();
  const caps = await w.imap('c', 'CAPABILITY');
  expect(caps[0]).not.toContain('LOGINDISABLED');
  const fp = w.peerFingerprint();
  w.close();
  return fp;
}

describe('TLS certificate hot swap', () => {
  it('presents the replaced certificate to new handshakes on every listener', async () => {
    const imaps = stack.port('imap', 'implicit');
    const pop3s = stack.port('pop3', 'implicit');
    const before = stack.tls.info.fingerprint256;
    expect(await fingerprint(imaps, 'localhost')).toBe(before);
    expect(await fingerprint(imaps)).toBe(before);
    expect(await starttlsFingerprint()).toBe(before);

    const next = generateSelfSigned({ hostNames: ['localhost', 'mail.example.com'] });
    const info = await stack.tls.replace({ key: next.keyPem, cert: next.certPem });
    expect(info.fingerprint256).not.toBe(before);
    expect(await fingerprint(imaps, 'mail.example.com')).toBe(info.fingerprint256);
    expect(await fingerprint(imaps)).toBe(info.fingerprint256); // no SNI: the default context
    expect(await fingerprint(pop3s, 'localhost')).toBe(info.fingerprint256);
    expect(await starttlsFingerprint()).toBe(info.fingerprint256);
  });
});
