import { describe, expect, it } from 'vitest';
import { generateKeyPair } from '../../src/crypto/hybrid-kem.ts';
import {
  newMasterKey,
  parseKeyWrap,
  unwrapWithPassword,
  unwrapWithRecoveryKey,
  wrapWithPassword,
  wrapWithRecoveryKey,
  WrongSecretError,
  type PasswordWrap,
} from '../../src/crypto/key-wraps.ts';
import { DEFAULT_KDF_COST, derivePasswordKey, newKdfParams } from '../../src/crypto/password-kdf.ts';
import { mailboxDatabaseKey, mailboxKemKey } from '../../src/crypto/mailbox-keys.ts';

// Cheap parameters keep the suite fast; the default cost is checked once below.
const cheap = newKdfParams({ memory: 1024, passes: 1, parallelism: 1 });
const at = { mailboxId: 'mbx-1', wrapId: 'primary' };

describe('password KDF', () => {
  it('uses argon2id at OWASP cost and takes at least ~50 ms', async () => {
    const p = newKdfParams();
    expect(p).toMatchObject({ alg: 'argon2id', ...DEFAULT_KDF_COST });
    const t = performance.now();
    const k = await derivePasswordKey('correct horse', p);
    const ms = performance.now() - t;
    expect(k.length).toBe(32);
    expect(ms).toBeGreaterThan(40);
    expect((await derivePasswordKey('correct horse', p)).equals(k)).toBe(true);
  });

  it('refuses weak stored parameters unless explicitly allowed', async () => {
    await expect(derivePasswordKey('x', cheap)).rejects.toThrow(/too weak/);
  });
});

describe('key wraps', () => {
  it('password wrap opens with the password only, and is bound to its mailbox', async () => {
    const k = newMasterKey();
    const w = await wrapWithPassword(k, 'hunter2', at, cheap);
    expect(JSON.stringify(w)).not.toContain(k.toString('base64'));
    expect((await unwrapWithPassword(w, 'hunter2', at)).equals(k)).toBe(true);
    await expect(unwrapWithPassword(w, 'hunter3', at)).rejects.toBeInstanceOf(WrongSecretError);
    await expect(unwrapWithPassword(w, 'hunter2', { ...at, mailboxId: 'mbx-2' })).rejects.toBeInstanceOf(
      WrongSecretError,
    );
    // Lowering the stored cost (an attacker editing the record) breaks the wrap, it does not weaken it.
    const tampered: PasswordWrap = { ...w, kdf: { ...w.kdf, passes: 2 } };
    await expect(unwrapWithPassword(tampered, 'hunter2', at)).rejects.toBeInstanceOf(WrongSecretError);
    expect(parseKeyWrap(JSON.stringify(w))).toEqual(w);
  });

  it('password change is a rewrap; the recovery key resets without losing K', async () => {
    const k = newMasterKey();
    const recovery = generateKeyPair();
    const rw = wrapWithRecoveryKey(k, recovery.publicKey, { ...at, wrapId: 'owner' });
    const pw1 = await wrapWithPassword(k, 'old', at, cheap);
    const pw2 = await wrapWithPassword(await unwrapWithPassword(pw1, 'old', at), 'new', at, cheap);
    expect((await unwrapWithPassword(pw2, 'new', at)).equals(k)).toBe(true);
    // The owner forgot nothing: recovery gives back the very same K.
    const back = unwrapWithRecoveryKey(rw, recovery, { ...at, wrapId: 'owner' });
    expect(back.equals(k)).toBe(true);
    expect(() => unwrapWithRecoveryKey(rw, generateKeyPair(), { ...at, wrapId: 'owner' })).toThrow(
      WrongSecretError,
    );
    expect(() => unwrapWithRecoveryKey(rw, recovery, { ...at, mailboxId: 'other', wrapId: 'owner' })).toThrow(
      WrongSecretError,
    );
  });

  it('derives distinct database and KEM keys from K, deterministically', () => {
    const k = newMasterKey();
    expect(mailboxDatabaseKey(k).equals(mailboxDatabaseKey(k))).toBe(true);
    expect(mailboxDatabaseKey(k).equals(k)).toBe(false);
    expect(mailboxKemKey(k).publicKey.bytes.equals(mailboxKemKey(k).publicKey.bytes)).toBe(true);
    expect(mailboxKemKey(newMasterKey()).publicKey.bytes.equals(mailboxKemKey(k).publicKey.bytes)).toBe(
      false,
    );
  });
});
