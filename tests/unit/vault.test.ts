import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Vault } from '../../src/main/services/vault/vault';
import { FileKeyProvider } from '../../src/main/services/vault/file-key-provider';

function fresh() {
  const dir = mkdtempSync(join(tmpdir(), 'facteur-vault-'));
  return { dir, vault: new Vault(join(dir, 'vault.json'), new FileKeyProvider(join(dir, 'vault.key'))) };
}

describe('the vault', () => {
  it('keeps secrets encrypted in owner-only files and reads them back', async () => {
    const { dir, vault } = fresh();
    const secret = `-----BEGIN OPENSSH PRIVATE KEY----- ${randomBytes(16).toString('hex')}`;
    await vault.set('server:a:ssh', { privateKey: secret });
    expect(readFileSync(join(dir, 'vault.json'), 'utf8')).not.toContain(secret.slice(40));
    expect(statSync(join(dir, 'vault.json')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'vault.key')).mode & 0o777).toBe(0o600);
    const reopened = new Vault(join(dir, 'vault.json'), new FileKeyProvider(join(dir, 'vault.key')));
    expect(await reopened.get('server:a:ssh')).toEqual({ privateKey: secret });
  });

  it('loses no write when changes race', async () => {
    const { vault } = fresh();
    await Promise.all(Array.from({ length: 20 }, (_, i) => vault.set(`k${i}`, i)));
    for (let i = 0; i < 20; i++) expect(await vault.get(`k${i}`)).toBe(i);
    await vault.delete('k3');
    expect(await vault.get('k3')).toBeUndefined();
  });

  it('refuses to open with another key, in plain words', async () => {
    const { dir, vault } = fresh();
    await vault.set('x', 1);
    writeFileSync(join(dir, 'other.key'), randomBytes(32), { mode: 0o600 });
    const wrong = new Vault(join(dir, 'vault.json'), new FileKeyProvider(join(dir, 'other.key')));
    await expect(wrong.get('x')).rejects.toMatchObject({ code: 'VAULT_LOCKED' });
  });
});
