// Our DKIM signer, checked by an independent verifier (mailauth) for both algorithms, on messages
// with folded headers, bare LFs, trailing blank lines and whitespace runs.
import { describe, expect, it } from 'vitest';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { dkimPublicKeyData, dkimTxtValue } from '../../src/dkim/dkim-dns.ts';
import { verifyMessage } from '../../src/mailauth/mailauth-adapter.ts';
import { dkimSign, relaxedBody, relaxedHeader } from '../../src/outbound/dkim-signer.ts';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const ed = generateKeyPairSync('ed25519').privateKey;
const keys = [
  { domain: 'one.test', selector: 'r1', algorithm: 'rsa' as const, privateKey: rsa },
  { domain: 'one.test', selector: 'e1', algorithm: 'ed25519' as const, privateKey: ed },
];
const txt: Record<string, string> = {
  'r1._domainkey.one.test': dkimTxtValue('rsa', dkimPublicKeyData(createPublicKey(rsa), 'rsa')),
  'e1._domainkey.one.test': dkimTxtValue('ed25519', dkimPublicKeyData(createPublicKey(ed), 'ed25519')),
};
const resolver = async (name: string, type: string) => {
  if (type === 'TXT' && txt[name]) return [[txt[name]]];
  throw Object.assign(new Error('no data'), { code: 'ENOTFOUND' });
};

async function verdict(raw: Buffer) {
  const signed = Buffer.concat([Buffer.from(dkimSign(raw, keys)), raw]);
  const v = await verifyMessage(signed, {
    ip: '192.0.2.1',
    helo: 'mx.one.test',
    sender: 'alice@one.test',
    authservId: 'mx.two.test',
    resolver,
  });
  return v.dkim.map((d) => `${d.selector}:${d.result}`);
}

describe('DKIM signer (relaxed/relaxed, RSA-SHA256 + Ed25519-SHA256)', () => {
  it('produces signatures mailauth verifies', async () => {
    const raw = Buffer.from(
      'From:   Alice  <alice@one.test>\r\nTo: bob@two.test,\r\n\tcarol@two.test\r\nSubject: Hello   there \r\nDate: Sat, 28 Nov 2026 05:00:00 +0000\r\n' +
        'Message-ID: <x@one.test>\r\nX-Unsigned: whatever\r\n\r\nLine  with   spaces   \r\n\r\nlast line\r\n\r\n\r\n',
    );
    expect(await verdict(raw)).toEqual(['r1:pass', 'e1:pass']);
  });

  it('handles bare LF messages, empty bodies and no final line break', async () => {
    expect(await verdict(Buffer.from('From: alice@one.test\nSubject: lf\n\nbody\nmore\n'))).toEqual([
      'r1:pass',
      'e1:pass',
    ]);
    expect(await verdict(Buffer.from('From: alice@one.test\r\nSubject: empty\r\n\r\n'))).toEqual([
      'r1:pass',
      'e1:pass',
    ]);
    expect(await verdict(Buffer.from('From: alice@one.test\r\nSubject: tail\r\n\r\nno final break'))).toEqual(
      ['r1:pass', 'e1:pass'],
    );
  });

  it('canonicalizes as RFC 6376 §3.4 says', () => {
    expect(relaxedHeader('SubJect :  a \t b\r\n  c  ')).toBe('subject:a b c');
    expect(relaxedBody(Buffer.from(' C \r\nD \t E\r\n\r\n\r\n')).toString()).toBe(' C\r\nD E\r\n');
    expect(relaxedBody(Buffer.from('\r\n\r\n')).length).toBe(0);
  });

  it('a changed body or signed header breaks the signatures', async () => {
    const raw = Buffer.from('From: alice@one.test\r\nSubject: original\r\n\r\nbody\r\n');
    const sig = dkimSign(raw, keys);
    const tampered = Buffer.concat([
      Buffer.from(sig),
      Buffer.from(raw.toString().replace('original', 'changed')),
    ]);
    const v = await verifyMessage(tampered, {
      ip: '192.0.2.1',
      helo: 'x',
      sender: 'alice@one.test',
      authservId: 'mx.two.test',
      resolver,
    });
    expect(v.dkim.map((d) => d.result)).toEqual(['fail', 'fail']);
  });
});

describe('verification key cache (mailauth adapter)', () => {
  it('is installed and serves repeated keys across messages, never a failure', async () => {
    const { keyCacheHits, keyCacheInstalled } = await import('../../src/mailauth/mailauth-adapter.ts');
    expect(keyCacheInstalled).toBe(true);
    const raw = Buffer.from('From: alice@one.test\r\nSubject: cache\r\n\r\nbody\r\n');
    const before = keyCacheHits();
    expect(await verdict(raw)).toEqual(['r1:pass', 'e1:pass']);
    expect(await verdict(raw)).toEqual(['r1:pass', 'e1:pass']);
    expect(keyCacheHits() - before).toBeGreaterThanOrEqual(2);
    // A signature by a key that is not published fails every time (the miss is not cached as a key).
    const other = generateKeyPairSync('ed25519').privateKey;
    const forged = Buffer.concat([
      Buffer.from(
        dkimSign(raw, [{ domain: 'one.test', selector: 'nokey', algorithm: 'ed25519', privateKey: other }]),
      ),
      raw,
    ]);
    for (let i = 0; i < 2; i++) {
      const v = await verifyMessage(forged, {
        ip: '192.0.2.1',
        helo: 'x',
        sender: 'alice@one.test',
        authservId: 'mx.two.test',
        resolver,
      });
      expect(v.dkim.map((d) => d.result)).not.toContain('pass');
    }
  });
});
