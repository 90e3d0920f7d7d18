// Zero access at the storage level: the data directory plus every server secret is not enough to
// read a message; the mailbox password is.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePrivateKey, privateKeyFromSeed } from '../src/crypto/hybrid-kem.ts';
import { unwrapWithPassword, type PasswordWrap } from '../src/crypto/key-wraps.ts';
import { MailboxStore } from '../src/storage/mailbox-store.ts';
import { configDbKeyOf, loadOrCreateServerSecrets } from '../src/storage/server-secrets.ts';
import { openDatabase } from '../src/storage/sqlite-adapter.ts';
import { newCore, rfc822 } from './helpers/core.ts';
import { useTmpDir } from './helpers/tmp.ts';

const tmp = useTmpDir();

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

describe('zero access', () => {
  it('no canary on disk; every server secret opens nothing; the password opens everything', async () => {
    const dataDir = tmp();
    const canaryMailbox = `canary-mbx-${randomBytes(8).toString('hex')}`;
    const canarySpool = `canary-spool-${randomBytes(8).toString('hex')}`;
    const secretSubject = `Subject-${randomBytes(6).toString('hex')}`;

    const { core, recovery } = await newCore(dataDir);
    const alice = await core.accounts.createMailbox({
      address: 'alice@example.com',
      password: 'correct horse battery staple',
      recoveryPublicKey: recovery.publicKey.bytes,
    });
    const rcpt = await core.delivery.checkRecipient('alice@example.com');
    // 1. Delivered while nobody is logged in, then moved into the mailbox by a session.
    await core.delivery.deliver([rcpt], rfc822(secretSubject, `first ${canaryMailbox}`), {
      mailFrom: 'sender@remote.org',
    });
    const s = await core.openSession('alice@example.com', 'correct horse battery staple');
    // While the session is open its WAL holds the fresh pages: encrypted as well.
    expect(walk(dataDir).some((f) => f.endsWith('.db-wal'))).toBe(true);
    expect(spawnSync('grep', ['-r', '-l', '-a', canaryMailbox, dataDir]).status).toBe(1);
    s.close();
    // 2. Delivered after the session ended: stays sealed in the spool.
    await core.delivery.deliver([rcpt], rfc822('second', `second ${canarySpool}`), {
      mailFrom: 'sender@remote.org',
    });
    core.close();
    expect(await core.spool.list(alice.id)).toHaveLength(1);

    // grep -r over the whole data directory (WAL and SHM files included) finds neither canary.
    for (const needle of [canaryMailbox, canarySpool, secretSubject]) {
      const g = spawnSync('grep', ['-r', '-l', '-a', needle, dataDir], { encoding: 'utf8' });
      expect(g.status, `grep found ${needle} in ${g.stdout}`).toBe(1);
      for (const f of walk(dataDir)) expect(readFileSync(f).includes(Buffer.from(needle)), f).toBe(false);
    }

    // Everything the server holds: the secrets file, the config DB it opens, the data directory.
    const secrets = await loadOrCreateServerSecrets(join(dataDir, 'secrets.json'));
    const serverKey = configDbKeyOf(secrets);
    const config = openDatabase(join(dataDir, 'config.db'), { key: serverKey });
    const blobs = [
      ...config.prepare('SELECT public_key AS v FROM mailboxes').all(),
      ...config.prepare('SELECT wrap AS v FROM key_wraps').all(),
    ].map((r) => (r as { v: Buffer | string }).v);
    config.close();
    // Every 32-byte candidate the server could try: its own key, and every 32-byte window of
    // everything it stores about the mailbox (public keys, wraps, their decoded fields).
    const material = Buffer.concat([
      serverKey,
      ...blobs.map((b) =>
        typeof b === 'string'
          ? Buffer.concat([
              Buffer.from(b),
              ...Object.values(JSON.parse(b))
                .filter((x): x is string => typeof x === 'string')
                .map((x) => Buffer.from(x, 'base64')),
            ])
          : b,
      ),
    ]);
    const mailboxFile = join(dataDir, 'mailboxes', `${alice.id}.db`);
    const spoolId = (await core.spool.list(alice.id))[0]!;
    let opened = 0;
    for (let off = 0; off + 32 <= material.length; off += 16) {
      const candidate = material.subarray(off, off + 32);
      try {
        MailboxStore.open(mailboxFile, Buffer.from(candidate), { readonly: true }).close();
        opened++;
      } catch {
        /* expected: wrong key */
      }
      try {
        await core.spool.read(alice.id, spoolId, privateKeyFromSeed(candidate));
        opened++;
      } catch {
        /* expected */
      }
    }
    expect(opened).toBe(0);
    expect(() => parsePrivateKey(serverKey)).toThrow(); // the server key is no mailbox private key either

    // The password wrap is the only way in, and the server secrets are not the password.
    const wrapRow = blobs.find((b) => typeof b === 'string' && b.includes('"password"')) as string;
    const at = { mailboxId: alice.id, wrapId: 'primary' };
    await expect(
      unwrapWithPassword(JSON.parse(wrapRow) as PasswordWrap, secrets.configDbKey, at),
    ).rejects.toThrow();

    // With the password, a fresh process reads both messages normally.
    const { MailCore } = await import('../src/domain/mail-core.ts');
    const again = await MailCore.open({ dataDir });
    await expect(again.openSession('alice@example.com', 'wrong password')).rejects.toMatchObject({
      code: 'AUTH_FAILED',
    });
    const session = await again.openSession('alice@example.com', 'correct horse battery staple');
    const inbox = session.view.getFolder('INBOX')!.id;
    expect(session.view.search(inbox, { body: [canaryMailbox] })).toEqual([1]);
    expect(session.view.search(inbox, { body: [canarySpool] })).toEqual([2]);
    expect(session.view.readRaw(inbox, 2)!.toString()).toContain(canarySpool);
    expect(await again.spool.list(alice.id)).toEqual([]);
    session.close();
    again.close();
  });
});
