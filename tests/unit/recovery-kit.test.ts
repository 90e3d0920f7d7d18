import { describe, expect, it } from 'vitest';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  KIT_KDF_COST,
  openKit,
  readKitHeader,
  sealKit,
} from '../../src/main/services/recovery-kit/kit-envelope';
import { weakPassphraseReason } from '../../src/main/services/recovery-kit/passphrase-strength';
import { RecoveryKitService } from '../../src/main/services/recovery-kit/recovery-kit-service';
import { ServerStore } from '../../src/main/services/servers/server-store';
import { FileKeyProvider } from '../../src/main/services/vault/file-key-provider';
import { Vault } from '../../src/main/services/vault/vault';
import type { ServerProfile } from '../../src/shared/contract';

const PASS = 'correct horse battery staple';
/** A cheap cost so the many cases stay fast; the real cost has its own case. */
const CHEAP = { memory: 1024, passes: 1, parallelism: 1 };
const payload = { secret: 'ssh-ed25519 private bits', list: [1, 2, 3] };

function computer() {
  const dir = mkdtempSync(join(tmpdir(), 'facteur-kit-'));
  const vault = new Vault(join(dir, 'vault.json'), new FileKeyProvider(join(dir, 'vault.key')));
  const store = new ServerStore(join(dir, 'servers.json'));
  const kit = new RecoveryKitService(store, vault, { lookupMs: 1000, kdfCost: CHEAP });
  return { dir, vault, store, kit };
}

const profile = (id: string, name: string, addedAt: string): ServerProfile => ({
  id,
  name,
  host: '10.0.0.1',
  port: 22,
  user: 'root',
  hostKeyFingerprint: `SHA256:${'A'.repeat(43)}`,
  addedAt,
  facts: null,
});

/** The file with one base64 character of its ciphertext changed. */
function flipCiphertext(text: string): string {
  const kit = JSON.parse(text) as { ciphertext: string };
  const i = Math.floor(kit.ciphertext.length / 2);
  const c = kit.ciphertext[i] === 'A' ? 'B' : 'A';
  kit.ciphertext = kit.ciphertext.slice(0, i) + c + kit.ciphertext.slice(i + 1);
  return JSON.stringify(kit);
}

describe('the recovery kit envelope', () => {
  it('round-trips with the real argon2id cost, which it states in the header', async () => {
    const text = await sealKit(payload, PASS);
    const header = readKitHeader(text);
    expect(header).toMatchObject({
      format: 'facteur-recovery-kit',
      version: 1,
      kdf: { alg: 'argon2id', ...KIT_KDF_COST },
    });
    expect(text).not.toContain('private bits');
    expect(await openKit(text, PASS)).toEqual(payload);
  });

  it('says a wrong passphrase is wrong, in plain words', async () => {
    const text = await sealKit(payload, PASS, { cost: CHEAP });
    await expect(openKit(text, 'correct horse battery stapler')).rejects.toMatchObject({
      code: 'KIT_WRONG_PASSPHRASE',
      message: expect.stringContaining('does not open the recovery kit'),
    });
  });

  it('refuses a flipped byte as damage (not as a wrong passphrase), wherever it is', async () => {
    const text = await sealKit(payload, PASS, { cost: CHEAP });
    await expect(openKit(flipCiphertext(text), PASS)).rejects.toMatchObject({ code: 'KIT_DAMAGED' });
    const salted = JSON.parse(text) as { kdf: { salt: string } };
    salted.kdf.salt = (salted.kdf.salt[0] === 'A' ? 'B' : 'A') + salted.kdf.salt.slice(1);
    await expect(openKit(JSON.stringify(salted), PASS)).rejects.toMatchObject({ code: 'KIT_DAMAGED' });
    const dated = text.replace(/"createdAt": "(\d{4})/, (_m, y: string) => `"createdAt": "${Number(y) + 1}`);
    await expect(openKit(dated, PASS)).rejects.toMatchObject({ code: 'KIT_DAMAGED' });
  });

  it('refuses a deliberate change that fixes the checksum too (GCM still refuses it)', async () => {
    const text = await sealKit(payload, PASS, { cost: CHEAP });
    const { createHash } = await import('node:crypto');
    const kit = JSON.parse(flipCiphertext(text)) as Record<string, unknown> & { ciphertext: string };
    const h = kit as unknown as {
      format: string;
      version: number;
      createdAt: string;
      kdf: Record<string, unknown>;
      cipher: Record<string, unknown>;
      check: string;
    };
    const aad = JSON.stringify([
      h.format,
      h.version,
      h.createdAt,
      [h.kdf.alg, h.kdf.memory, h.kdf.passes, h.kdf.parallelism, h.kdf.salt],
      [h.cipher.alg, h.cipher.nonce],
      h.check,
    ]);
    kit.digest = createHash('sha256').update(aad).update(kit.ciphertext).digest('base64');
    await expect(openKit(JSON.stringify(kit), PASS)).rejects.toMatchObject({
      code: 'KIT_DAMAGED',
      message: expect.stringContaining('altered'),
    });
  });

  it('refuses a truncated or empty file, or one that is not a kit', async () => {
    const text = await sealKit(payload, PASS, { cost: CHEAP });
    for (const cut of [text.slice(0, text.length - 40), text.slice(0, 100), '', '{"hello":1}']) {
      await expect(openKit(cut, PASS)).rejects.toMatchObject({ code: 'KIT_DAMAGED' });
    }
  });

  it('refuses weak passphrases with the reason', async () => {
    expect(weakPassphraseReason('short')).toBe('short');
    expect(weakPassphraseReason('aaaaaaaaaaaaaaaa')).toBe('repetitive');
    expect(weakPassphraseReason('123456789012')).toBe('sequence');
    expect(weakPassphraseReason('qwertyuiop12')).toBe('sequence');
    expect(weakPassphraseReason('Password2024!')).toBe('common');
    expect(weakPassphraseReason(PASS)).toBeUndefined();
    expect(weakPassphraseReason('vélo marmite 42 orage')).toBeUndefined();
    await expect(sealKit(payload, 'abc', { cost: CHEAP })).rejects.toMatchObject({
      code: 'PASSPHRASE_WEAK',
      params: { reason: 'short', min: 12 },
    });
  });
});

describe('exporting and importing a kit', () => {
  it('carries every vault entry and server to another computer, written owner-only', async () => {
    const a = computer();
    await a.store.put(profile('srv_1', 'Home', '2024-01-01T00:00:00.000Z'));
    await a.vault.set('server:srv_1:ssh', { privateKey: 'KEY' });
    await a.vault.set('recovery-key:srv_1', { v: 1, privateKey: 'RK', createdAt: 'x' });
    await a.vault.set('backup-key:srv_1', { v: 1, key: 'BACKUPKEY', createdAt: 'x' });
    const path = join(a.dir, 'out', 'kit.facteurkit');
    const kit = await a.kit.exportToFile(path, PASS);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(kit.content).not.toContain('BACKUPKEY');
    expect(kit.sheet.servers).toEqual([
      expect.objectContaining({ name: 'Home', address: 'root@10.0.0.1:22', backupKey: 'BACKUPKEY' }),
    ]);
    expect(kit.sheetHtml).toContain(kit.sheet.kitSha256.slice(0, 4));
    expect(kit.sheetHtml).toContain('BACKUPKEY');
    expect(kit.sheetHtml).not.toContain(PASS);

    const b = computer();
    const result = await b.kit.import(kit.content, PASS);
    expect(result.items).toEqual(
      expect.arrayContaining([
        { kind: 'server', subject: 'Home', outcome: 'added' },
        { kind: 'ssh-key', subject: 'Home', outcome: 'added' },
        { kind: 'recovery-key', subject: 'Home', outcome: 'added' },
        { kind: 'backup-key', subject: 'Home', outcome: 'added' },
      ]),
    );
    expect(await b.store.list()).toEqual(await a.store.list());
    expect(await b.vault.list()).toEqual(await a.vault.list());
  });

  it('keeps the newer of two entries, says so, and changes nothing on a wrong passphrase', async () => {
    const a = computer();
    await a.store.put(profile('srv_1', 'Home', '2024-01-01T00:00:00.000Z'));
    await a.vault.put({
      name: 'deployment:srv_1',
      value: { token: 'old' },
      updatedAt: '2024-01-01T00:00:00.000Z',
    });
    await a.vault.put({
      name: 'server:srv_1:ssh',
      value: { privateKey: 'NEW' },
      updatedAt: '2025-06-01T00:00:00.000Z',
    });
    const kit = await a.kit.export(PASS, PASS);

    const b = computer();
    await b.vault.put({
      name: 'deployment:srv_1',
      value: { token: 'newer' },
      updatedAt: '2025-01-01T00:00:00.000Z',
    });
    await b.vault.put({
      name: 'server:srv_1:ssh',
      value: { privateKey: 'OLD' },
      updatedAt: '2024-06-01T00:00:00.000Z',
    });
    const before = await b.vault.list();
    await expect(b.kit.import(kit.content, 'not the right passphrase')).rejects.toMatchObject({
      code: 'KIT_WRONG_PASSPHRASE',
    });
    await expect(b.kit.import(kit.content.slice(0, -200), PASS)).rejects.toMatchObject({
      code: 'KIT_DAMAGED',
    });
    expect(await b.vault.list()).toEqual(before);
    expect(await b.store.list()).toEqual([]);

    const result = await b.kit.import(kit.content, PASS);
    expect(result.items).toEqual([
      { kind: 'server', subject: 'Home', outcome: 'added' },
      { kind: 'control-access', subject: 'Home', outcome: 'kept' },
      { kind: 'ssh-key', subject: 'Home', outcome: 'updated' },
    ]);
    expect(await b.vault.get('deployment:srv_1')).toEqual({ token: 'newer' });
    expect(await b.vault.get('server:srv_1:ssh')).toEqual({ privateKey: 'NEW' });
    const again = await b.kit.import(kit.content, PASS);
    expect(again.items.map((i) => i.outcome)).toEqual(['unchanged', 'kept', 'unchanged']);
  });

  it('refuses two different passphrases', async () => {
    const a = computer();
    await expect(a.kit.export(PASS, `${PASS}!`)).rejects.toMatchObject({ code: 'PASSPHRASE_MISMATCH' });
  });
});
