import { describe, expect, it } from 'vitest';
import { generateKeyPair } from '../../src/crypto/hybrid-kem.ts';
import { unwrapWithRecoveryKey, wrapWithPassword } from '../../src/crypto/key-wraps.ts';
import { newKdfParams } from '../../src/crypto/password-kdf.ts';
import { DomainError } from '../../src/domain/errors.ts';
import { newCore, TEST_KDF } from '../helpers/core.ts';
import { useTmpDir } from '../helpers/tmp.ts';

const tmp = useTmpDir();
const codeOf = async (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: DomainError) => e.code,
  );

describe('accounts', () => {
  it('logs in with the password only; the login cache serves repeats and forgets on change', async () => {
    const { core, recovery } = await newCore(tmp());
    const m = await core.accounts.createMailbox({
      address: 'alice@example.com',
      password: 'pw-1',
      recoveryPublicKey: recovery.publicKey.bytes,
    });
    const first = await core.accounts.login('Alice@Example.com', 'pw-1');
    expect(first.mailbox.id).toBe(m.id);
    expect(first.via).toEqual({ kind: 'password', wrapId: 'primary' });
    expect(core.loginCache.get(m.id, 'pw-1')?.tag).toMatch(/^primary:/);
    const again = await core.accounts.login('alice@example.com', 'pw-1');
    expect(again.via).toEqual({ kind: 'password', wrapId: 'primary' });
    expect(again.key.equals(first.key)).toBe(true);
    expect(await codeOf(core.accounts.login('alice@example.com', 'wrong'))).toBe('AUTH_FAILED');
    expect(await codeOf(core.accounts.login('nobody@example.com', 'pw-1'))).toBe('AUTH_FAILED');

    await core.accounts.changePassword('alice@example.com', 'pw-1', 'pw-2');
    expect(await codeOf(core.accounts.login('alice@example.com', 'pw-1'))).toBe('AUTH_FAILED');
    const after = await core.accounts.login('alice@example.com', 'pw-2');
    expect(after.key.equals(first.key)).toBe(true); // same K: nothing re-encrypted
    core.close();
  });

  it('owner reset with the recovery key keeps the same K (and every message)', async () => {
    const { core, recovery } = await newCore(tmp());
    const m = await core.accounts.createMailbox({
      address: 'bob@example.com',
      password: 'forgotten',
      recoveryPublicKey: recovery.publicKey.bytes,
    });
    const s = await core.openSession('bob@example.com', 'forgotten');
    await s.append(s.view.getFolder('INBOX')!.id, Buffer.from('Subject: keep me\r\n\r\nprecious\r\n'));
    s.close();
    core.loginCache.clear();

    await expect(
      core.accounts.resetPasswordWithRecoveryKey(m.id, generateKeyPair().bytes, 'x'),
    ).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    await core.accounts.resetPasswordWithRecoveryKey(m.id, recovery.bytes, 'new-one');
    expect(await codeOf(core.accounts.login('bob@example.com', 'forgotten'))).toBe('AUTH_FAILED');
    const s2 = await core.openSession('bob@example.com', 'new-one');
    expect(s2.view.search(s2.view.getFolder('INBOX')!.id, { body: ['precious'] })).toEqual([1]);
    s2.close();

    // The desktop-side variant: open the recovery wrap locally, upload a new password wrap.
    const key = unwrapWithRecoveryKey(core.accounts.getRecoveryWrap(m.id)!, recovery, {
      mailboxId: m.id,
      wrapId: 'owner',
    });
    core.accounts.setPasswordWrap(
      m.id,
      await wrapWithPassword(
        key,
        'from-desktop',
        { mailboxId: m.id, wrapId: 'primary' },
        newKdfParams(TEST_KDF),
      ),
    );
    expect((await core.accounts.login('bob@example.com', 'from-desktop')).key.equals(key)).toBe(true);
    core.close();
  });

  it('app passwords open the same mailbox and are revocable', async () => {
    const { core, recovery } = await newCore(tmp());
    const m = await core.accounts.createMailbox({
      address: 'carol@example.com',
      password: 'main',
      recoveryPublicKey: recovery.publicKey.bytes,
    });
    const { key } = await core.accounts.login('carol@example.com', 'main');
    const app = await core.accounts.addAppPassword(m.id, key, 'phone');
    const viaApp = await core.accounts.login('carol@example.com', app.password);
    expect(viaApp.via).toEqual({ kind: 'app-password', wrapId: app.wrapId });
    expect(viaApp.key.equals(key)).toBe(true);
    expect(core.accounts.removeAppPassword(m.id, app.wrapId)).toBe(true);
    expect(await codeOf(core.accounts.login('carol@example.com', app.password))).toBe('AUTH_FAILED');
    core.config.updateMailbox(m.id, { state: 'disabled' });
    expect(await codeOf(core.accounts.login('carol@example.com', 'main'))).toBe('DISABLED');
    core.close();
  });

  it('a cached login stops at once when another process revokes or replaces its wrap', async () => {
    const { core, recovery } = await newCore(tmp());
    const m = await core.accounts.createMailbox({
      address: 'dan@example.com',
      password: 'main',
      recoveryPublicKey: recovery.publicKey.bytes,
    });
    const { key } = await core.accounts.login('dan@example.com', 'main');
    const app = await core.accounts.addAppPassword(m.id, key, 'phone');
    await core.accounts.login('dan@example.com', app.password);
    expect(core.loginCache.get(m.id, app.password)).toBeDefined(); // this process caches it
    // The control API runs in another process: it changes the config DB, not this cache.
    core.config.deleteWrap(m.id, 'app-password', app.wrapId);
    expect(await codeOf(core.accounts.login('dan@example.com', app.password))).toBe('AUTH_FAILED');

    await core.accounts.login('dan@example.com', 'main'); // cached again
    const newWrap = await wrapWithPassword(
      key,
      'reset-by-owner',
      { mailboxId: m.id, wrapId: 'primary' },
      newKdfParams(TEST_KDF),
    );
    core.config.putWrap(m.id, 'password', 'primary', newWrap);
    expect(await codeOf(core.accounts.login('dan@example.com', 'main'))).toBe('AUTH_FAILED');
    expect((await core.accounts.login('dan@example.com', 'reset-by-owner')).key.equals(key)).toBe(true);
    core.close();
  });
});
