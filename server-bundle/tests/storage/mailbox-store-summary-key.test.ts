// fetch({ summaryKey }): only one top-level member of the summary cache is read back (IMAP FETCH
// of ENVELOPE / BODYSTRUCTURE parses that part, not the whole summary).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newMasterKey } from '../../src/crypto/key-wraps.ts';
import { MailboxStore } from '../../src/storage/mailbox-store.ts';
import { sampleMessage } from '../helpers/messages.ts';
import { useTmpDir } from '../helpers/tmp.ts';

const tmp = useTmpDir();

describe('mailbox store: summary member fetch', () => {
  it('returns the requested member, nothing when absent, and the whole summary by default', () => {
    const store = MailboxStore.open(join(tmp(), 'mbx.db'), newMasterKey());
    const inbox = store.getFolder('INBOX')!.id;
    const withPart = sampleMessage(1);
    withPart.summary = {
      ...(withPart.summary as object),
      imap: { v: 2, envelope: '(NIL "é" NIL)', nested: [1, { a: null }] },
    };
    store.append(inbox, withPart);
    store.append(inbox, sampleMessage(2));

    const [a, b] = store.fetch(inbox, [[1, 2]], { summary: true, summaryKey: 'imap' });
    expect(a!.summary).toEqual({ v: 2, envelope: '(NIL "é" NIL)', nested: [1, { a: null }] });
    expect(b!.summary).toBeUndefined();
    expect(b!.uid).toBe(2);

    const [whole] = store.fetch(inbox, [[1, 1]]);
    expect(whole!.summary).toMatchObject({ subject: 'Message number 1', imap: { v: 2 } });
    // A key cannot break out of the JSON path.
    expect(store.fetch(inbox, [[1, 1]], { summaryKey: 'imap"].x' })[0]!.summary).toBeUndefined();
    expect(store.fetch(inbox, [[1, 1]], { summary: false, summaryKey: 'imap' })[0]!.summary).toBeUndefined();
    store.close();
  });
});
