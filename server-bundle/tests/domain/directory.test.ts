import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateKeyPair } from '../../src/crypto/hybrid-kem.ts';
import { resolveRecipient } from '../../src/domain/directory.ts';
import { DomainError } from '../../src/domain/errors.ts';
import { ConfigStore } from '../../src/storage/config-store.ts';
import { useTmpDir } from '../helpers/tmp.ts';

const tmp = useTmpDir();

function setup() {
  const c = ConfigStore.open(join(tmp(), 'config.db'), randomBytes(32));
  const pub = generateKeyPair().publicKey.bytes;
  c.addDomain('example.com');
  c.addDomain('example.net');
  c.createMailbox({ id: 'alice', address: 'alice@example.com', publicKey: pub, wraps: [] });
  c.createMailbox({ id: 'bob', address: 'bob@example.com', publicKey: pub, wraps: [] });
  c.createMailbox({ id: 'carol', address: 'carol@example.net', publicKey: pub, wraps: [] });
  return c;
}

const ids = (r: { mailboxes: Array<{ id: string }> }) => r.mailboxes.map((m) => m.id);
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return (e as DomainError).code;
  }
  return 'ok';
};

describe('recipient resolution', () => {
  it('resolves mailboxes, plus-tags, aliases, nested aliases, catch-all; rejects the rest', () => {
    const c = setup();
    expect(ids(resolveRecipient(c, '<Alice@EXAMPLE.com>'))).toEqual(['alice']);
    expect(ids(resolveRecipient(c, 'alice+newsletters@example.com'))).toEqual(['alice']);
    expect(code(() => resolveRecipient(c, 'nobody@example.com'))).toBe('NO_SUCH_RECIPIENT');
    expect(code(() => resolveRecipient(c, 'someone@elsewhere.org'))).toBe('NOT_LOCAL');
    expect(code(() => resolveRecipient(c, 'garbage'))).toBe('NO_SUCH_RECIPIENT');

    c.setAlias('team@example.com', [
      'alice@example.com',
      'bob@example.com',
      'team2@example.com',
      'ext@remote.org',
    ]);
    c.setAlias('team2@example.com', ['carol@example.net', 'team@example.com']); // a cycle, harmless
    const r = resolveRecipient(c, 'team+x@example.com');
    expect(ids(r).sort()).toEqual(['alice', 'bob', 'carol']);
    expect(r.forwards).toEqual(['ext@remote.org']);

    c.setAlias('*@example.net', ['bob@example.com']);
    expect(ids(resolveRecipient(c, 'anything@example.net'))).toEqual(['bob']);
    expect(ids(resolveRecipient(c, 'carol@example.net'))).toEqual(['carol']); // exact beats catch-all

    c.updateMailbox('bob', { state: 'disabled' });
    expect(code(() => resolveRecipient(c, 'bob@example.com'))).toBe('DISABLED');
  });
});
