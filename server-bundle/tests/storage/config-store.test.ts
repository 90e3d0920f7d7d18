import { randomBytes } from 'node:crypto';
import { readFileSync, statSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateKeyPair } from '../../src/crypto/hybrid-kem.ts';
import { newMasterKey, wrapWithRecoveryKey } from '../../src/crypto/key-wraps.ts';
import { ConfigError, ConfigStore, CONFIG_MIGRATIONS } from '../../src/storage/config-store.ts';
import { schemaVersion } from '../../src/storage/migrations.ts';
import { configDbKeyOf, loadOrCreateServerSecrets } from '../../src/storage/server-secrets.ts';
import { openDatabase, WrongKeyError } from '../../src/storage/sqlite-adapter.ts';
import { useTmpDir } from '../helpers/tmp.ts';

const tmp = useTmpDir();

describe('server secrets', () => {
  it('are created once with mode 600 and refused when readable by others', async () => {
    const path = join(tmp(), 'etc', 'secrets.json');
    const s1 = await loadOrCreateServerSecrets(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const s2 = await loadOrCreateServerSecrets(path);
    expect(s2.configDbKey).toBe(s1.configDbKey);
    expect(configDbKeyOf(s1).length).toBe(32);
    chmodSync(path, 0o644);
    await expect(loadOrCreateServerSecrets(path)).rejects.toThrow(/chmod 600/);
  });
});

describe('config store', () => {
  function open() {
    const dir = tmp();
    const key = randomBytes(32);
    const path = join(dir, 'config.db');
    return { path, key, store: ConfigStore.open(path, key) };
  }
  const pub = generateKeyPair().publicKey;
  const wrap = (id: string) => wrapWithRecoveryKey(newMasterKey(), pub, { mailboxId: id, wrapId: 'owner' });

  it('is encrypted with the server key and schema-versioned', () => {
    const { path, key, store } = open();
    store.addDomain('Example.COM');
    store.close();
    expect(readFileSync(path).includes(Buffer.from('example.com'))).toBe(false);
    expect(() => ConfigStore.open(path, randomBytes(32))).toThrow(WrongKeyError);
    const db = openDatabase(path, { key });
    expect(schemaVersion(db)).toBe(CONFIG_MIGRATIONS.length);
    db.close();
  });

  it('keeps domains, mailboxes, wraps, aliases and settings', () => {
    const { store } = open();
    expect(store.addDomain('example.com')).toMatchObject({ name: 'example.com' });
    expect(() => store.addDomain('EXAMPLE.com.')).toThrow(ConfigError);
    expect(() => store.addDomain('not a domain')).toThrow(ConfigError);
    const m = store.createMailbox({
      id: 'mbx1',
      address: 'Alice@Example.com',
      publicKey: pub.bytes,
      quotaBytes: 1000,
      wraps: [{ kind: 'recovery', wrapId: 'owner', wrap: wrap('mbx1') }],
    });
    expect(m).toMatchObject({ id: 'mbx1', address: 'Alice@example.com', quotaBytes: 1000, state: 'active' });
    expect(store.findMailbox('alice@EXAMPLE.com')?.id).toBe('mbx1');
    expect(store.getMailbox('mbx1')!.publicKey.equals(pub.bytes)).toBe(true);
    expect(() =>
      store.createMailbox({ address: 'alice@example.com', publicKey: pub.bytes, wraps: [] }),
    ).toThrow(ConfigError);
    expect(() =>
      store.createMailbox({ address: 'a+b@example.com', publicKey: pub.bytes, wraps: [] }),
    ).toThrow(ConfigError);
    expect(() => store.createMailbox({ address: 'x@other.org', publicKey: pub.bytes, wraps: [] })).toThrow(
      /not served/,
    );
    store.setUsage('mbx1', 500, 3);
    store.updateMailbox('mbx1', { state: 'disabled' });
    expect(store.getMailbox('mbx1')).toMatchObject({
      usedBytes: 500,
      usedMessages: 3,
      state: 'disabled',
      quotaBytes: 1000,
    });

    expect(store.listWraps('mbx1').map((w) => [w.kind, w.wrapId])).toEqual([['recovery', 'owner']]);
    store.putWrap('mbx1', 'recovery', 'owner', wrap('mbx1'));
    expect(store.listWraps('mbx1')).toHaveLength(1);
    expect(store.deleteWrap('mbx1', 'recovery', 'owner')).toBe(true);

    store.setAlias('sales@example.com', ['alice@example.com', 'bob@remote.net']);
    store.setAlias('*@example.com', ['alice@example.com']);
    expect(store.getAlias('SALES@example.com')?.destinations).toEqual([
      'alice@example.com',
      'bob@remote.net',
    ]);
    expect(store.listAliases('example.com').map((a) => a.address)).toEqual([
      '*@example.com',
      'sales@example.com',
    ]);
    expect(() => store.setAlias('alice@example.com', ['x@y.z'])).toThrow(/is a mailbox/);
    store.removeAlias('sales@example.com');
    expect(store.getAlias('sales@example.com')).toBeUndefined();

    store.setSetting('hostname', 'mx.example.com');
    expect(store.getSetting('hostname')).toBe('mx.example.com');
    store.removeDomain('example.com');
    expect(store.getMailbox('mbx1')).toBeUndefined();
    expect(store.listAliases()).toEqual([]);
  });
});
