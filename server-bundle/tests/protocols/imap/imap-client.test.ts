// IMAP with a real client (imapflow) over real TLS sockets, IPv4 and IPv6: login, folders,
// APPEND / FETCH (every item, partial, sections), STORE with CONDSTORE, SEARCH through FTS,
// COPY / MOVE / EXPUNGE, QUOTA, NAMESPACE, STATUS, and mail delivered through the spool.
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LineWire } from '../line-wire.ts';
import { message, multipartMessage, PASSWORD, must, startMailStack, type MailStack } from '../mail-stack.ts';

let stack: MailStack;

beforeAll(async () => {
  stack = await startMailStack();
});

afterAll(async () => {
  await stack?.stop();
});

function client(opts: { host?: string; user?: string; pass?: string; secure?: boolean } = {}): ImapFlow {
  const secure = opts.secure ?? true;
  return new ImapFlow({
    host: opts.host ?? '127.0.0.1',
    port: stack.port('imap', secure ? 'implicit' : 'starttls'),
    secure,
    tls: { rejectUnauthorized: false },
    auth: { user: opts.user ?? 'alice@example.com', pass: opts.pass ?? PASSWORD },
    logger: false,
    disableAutoIdle: true,
  });
}

async function withClient<T>(
  fn: (c: ImapFlow) => Promise<T>,
  opts?: Parameters<typeof client>[0],
): Promise<T> {
  const c = client(opts);
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.logout().catch(() => c.close());
  }
}

describe('IMAP with imapflow', () => {
  it('logs in over implicit TLS on IPv4 and IPv6 and over STARTTLS', async () => {
    for (const host of ['127.0.0.1', '::1']) {
      const caps = await withClient(async (c) => [...c.capabilities.keys()], { host });
      expect(caps).toEqual(
        expect.arrayContaining([
          'IMAP4rev1',
          'IDLE',
          'CONDSTORE',
          'UIDPLUS',
          'MOVE',
          'QUOTA',
          'NAMESPACE',
          'SPECIAL-USE',
        ]),
      );
    }
    const secured = await withClient(async (c) => c.secureConnection, { secure: false });
    expect(secured).toBe(true); // imapflow upgraded with STARTTLS
  });

  it('lists special-use folders; creates, renames, subscribes and deletes folders', async () => {
    await withClient(async (c) => {
      const list = await c.list();
      const byUse = Object.fromEntries(list.filter((f) => f.specialUse).map((f) => [f.specialUse, f.path]));
      expect(byUse).toMatchObject({
        '\\Sent': 'Sent',
        '\\Drafts': 'Drafts',
        '\\Trash': 'Trash',
        '\\Junk': 'Junk',
        '\\Archive': 'Archive',
      });
      expect(list.map((f) => f.path)).toContain('INBOX');

      await c.mailboxCreate('Projects/2024');
      await c.mailboxRename('Projects', 'Work');
      const after = (await c.list()).map((f) => f.path);
      expect(after).toEqual(expect.arrayContaining(['Work', 'Work/2024']));
      expect(after).not.toContain('Projects');
      await c.mailboxUnsubscribe('Work/2024');
      const subscribed = (await c.list()).filter((f) => f.subscribed).map((f) => f.path);
      expect(subscribed).not.toContain('Work/2024');
      expect(await c.mailboxCreate('Work')).toMatchObject({ created: false }); // NO [ALREADYEXISTS]
      await c.mailboxDelete('Work/2024');
      await c.mailboxDelete('Work');
      expect((await c.list()).map((f) => f.path)).not.toContain('Work');
      await expect(c.mailboxOpen('Nope')).rejects.toThrow();
    });
  });

  it('APPENDs and FETCHes every item, byte-identical, with partial and section fetches', async () => {
    const raw = multipartMessage('Facture janvier');
    await withClient(async (c) => {
      await c.mailboxCreate('Fetch');
      const appended = await c.append(
        'Fetch',
        raw,
        ['\\Flagged', '$Important'],
        new Date('2024-02-03T04:05:06Z'),
      );
      expect(appended).toMatchObject({ destination: 'Fetch', uid: 1 });
      const box = await c.mailboxOpen('Fetch');
      expect(box.exists).toBe(1);

      const m = await c.fetchOne('1', {
        uid: true,
        flags: true,
        envelope: true,
        bodyStructure: true,
        internalDate: true,
        size: true,
        source: true,
        headers: ['subject', 'cc'],
        bodyParts: ['1', '2.mime', 'text'],
      });
      if (!m) throw new Error('no message');
      expect(m.source!.equals(raw)).toBe(true);
      expect(m.size).toBe(raw.length);
      expect([...m.flags!].sort()).toEqual(['$Important', '\\Flagged']);
      expect(new Date(m.internalDate!).toISOString()).toBe('2024-02-03T04:05:06.000Z');
      expect(m.envelope).toMatchObject({
        subject: 'Facture janvier',
        from: [{ name: 'Sender Name', address: 'sender@remote.org' }],
        to: [{ name: 'Alice', address: 'alice@example.com' }, { address: 'bob@example.com' }],
        cc: [{ name: 'Carol C.', address: 'carol@example.net' }],
        messageId: '<multi@remote.org>',
      });
      expect(m.bodyStructure).toMatchObject({
        type: 'multipart/mixed',
        childNodes: [
          { part: '1', type: 'text/plain', parameters: { charset: 'utf-8' } },
          {
            part: '2',
            type: 'application/pdf',
            disposition: 'attachment',
            dispositionParameters: { filename: 'invoice.pdf' },
          },
        ],
      });
      // Requested fields in message order, then the blank line.
      expect(m.headers!.toString()).toBe(
        'Cc: "Carol C." <carol@example.net>\r\nSubject: Facture janvier\r\n\r\n',
      );
      expect(m.bodyParts!.get('1')!.toString()).toContain('Bonjour Alice, voici la facture. Ça coûte 12 €.');
      expect(m.bodyParts!.get('2.mime')!.toString()).toContain('Content-Type: application/pdf');
      const text = raw.subarray(raw.indexOf('\r\n\r\n') + 4);
      expect(m.bodyParts!.get('text')!.equals(text)).toBe(true);

      // Partial fetch: BODY.PEEK[]<10.20> returns exactly those bytes.
      const part = await c.download('1', undefined, { maxBytes: 20 });
      const chunks: Buffer[] = [];
      for await (const ch of must(part.content)) chunks.push(ch as Buffer);
      expect(Buffer.concat(chunks).equals(raw.subarray(0, 20))).toBe(true);
      const wire = await rawSession();
      await wire.imap('s', 'SELECT Fetch');
      const lines = await wire.imap('p', 'FETCH 1 (BODY.PEEK[]<10.20> RFC822.SIZE MODSEQ)');
      expect(lines[0]).toMatch(/^\* 1 FETCH \(BODY\[\]<10> \{20\}$/);
      expect(lines[1]!.slice(0, 20)).toBe(raw.subarray(10, 30).toString());
      expect(lines[1]!.slice(20)).toMatch(new RegExp(`^ RFC822.SIZE ${raw.length} MODSEQ \\(\\d+\\)\\)$`));
      // BODY[1] (not PEEK) marks \Seen, and says so in the same response.
      const seen = await wire.imap('q', 'FETCH 1 (BODY[1])');
      expect(seen.join('\n')).toMatch(/FLAGS \(\$Important \\Flagged \\Seen\)\)/);
      wire.close();
    });
  });

  it('STOREs flags with CONDSTORE (UNCHANGEDSINCE -> MODIFIED)', async () => {
    await withClient(async (c) => {
      await c.mailboxCreate('Flags');
      for (let i = 0; i < 3; i++) await c.append('Flags', message(`flag ${i}`, 'x'));
      await c.mailboxOpen('Flags');
      expect(await c.messageFlagsAdd('1:3', ['\\Seen'])).toBe(true);
      const before = await c.fetchOne('2', { flags: true, modseq: true } as Parameters<
        ImapFlow['fetchOne']
      >[1]);
      expect([...must(before).flags!]).toEqual(['\\Seen']);
      const modseq = must(before).modseq!;
      await c.messageFlagsAdd('2', ['$Later']);
      // Conditional store against the old modseq fails for message 2 only.
      const wire = await rawSession();
      await wire.imap('s', 'SELECT Flags (CONDSTORE)');
      const res = await wire.imap('c', `STORE 1:2 (UNCHANGEDSINCE ${modseq}) +FLAGS (\\Flagged)`);
      expect(res[res.length - 1]).toMatch(/^c OK \[MODIFIED 2\]/);
      expect(res.join('\n')).toMatch(/\* 1 FETCH \(FLAGS \(\\Flagged \\Seen\) MODSEQ \(\d+\)\)/);
      // CHANGEDSINCE returns only what changed after that modseq; SEARCH MODSEQ reports the highest.
      const later = await wire.imap('d', `UID FETCH 1:* (FLAGS) (CHANGEDSINCE ${modseq})`);
      expect(later.filter((l) => l.startsWith('* ')).map((l) => l.split(' ')[1])).toEqual(['1', '2']);
      const found = await wire.imap('e', `SEARCH MODSEQ ${Number(modseq) + 1}`);
      expect(found[0]).toMatch(/^\* SEARCH 1 2 \(MODSEQ \d+\)$/);
      wire.close();
      const after = await c.fetchOne('2', { flags: true });
      expect([...must(after).flags!].sort()).toEqual(['$Later', '\\Seen']);
      await c.messageFlagsRemove('1:3', ['\\Seen']);
      const status = await c.status('Flags', {
        messages: true,
        unseen: true,
        uidNext: true,
        highestModseq: true,
      });
      expect(must(status)).toMatchObject({ messages: 3, unseen: 3, uidNext: 4 });
      expect(Number(must(status).highestModseq)).toBeGreaterThan(Number(modseq));
    });
  });

  it('SEARCHes headers, flags and bodies through the full-text index', async () => {
    await withClient(async (c) => {
      await c.mailboxCreate('Search');
      await c.append(
        'Search',
        message('Quarterly report', 'The numbers for the zanzibar project look good.'),
      );
      await c.append('Search', message('Lunch', 'Pizza on friday?', 'Cc: dave@example.net\r\n'), ['\\Seen']);
      await c.append('Search', message('Re: Quarterly report', 'Thanks for the zanzibar numbers.'));
      await c.mailboxOpen('Search');
      expect(await c.search({ body: 'zanzibar' }, { uid: true })).toEqual([1, 3]);
      expect(await c.search({ text: 'pizza' }, { uid: true })).toEqual([2]);
      expect(await c.search({ subject: 'quarterly' }, { uid: true })).toEqual([1, 3]);
      expect(await c.search({ seen: true })).toEqual([2]);
      expect(await c.search({ seen: false, body: 'zanzibar' })).toEqual([1, 3]);
      expect(await c.search({ cc: 'dave' }, { uid: true })).toEqual([2]);
      expect(await c.search({ or: [{ subject: 'lunch' }, { uid: '3' }] }, { uid: true })).toEqual([2, 3]);
      expect(await c.search({ not: { body: 'zanzibar' } }, { uid: true })).toEqual([2]);
      expect(await c.search({ from: 'sender@remote.org' }, { uid: true })).toEqual([1, 2, 3]);
      expect(await c.search({ larger: 10, smaller: 100_000 })).toEqual([1, 2, 3]);
      expect(await c.search({ body: 'nonexistentword' })).toEqual([]);
      expect(await c.search({ since: new Date('2000-01-01') })).toEqual([1, 2, 3]);
      expect(await c.search({ before: new Date('2000-01-01') })).toEqual([]);
    });
  });

  it('COPY, MOVE (COPYUID), EXPUNGE and UID EXPUNGE', async () => {
    await withClient(async (c) => {
      await c.mailboxCreate('Src');
      await c.mailboxCreate('Dst');
      for (let i = 1; i <= 5; i++) await c.append('Src', message(`m${i}`, `body ${i}`));
      await c.mailboxOpen('Src');
      const copied = await c.messageCopy('1:2', 'Dst', { uid: true });
      expect(copied).toMatchObject({
        destination: 'Dst',
        uidMap: new Map([
          [1, 1],
          [2, 2],
        ]),
      });
      const expunged: number[] = [];
      c.on('expunge', (e: { seq: number }) => expunged.push(e.seq));
      const moved = await c.messageMove('3', 'Dst', { uid: true });
      expect(moved).toMatchObject({ uidMap: new Map([[3, 3]]) });
      expect(expunged).toEqual([3]);
      expect(must(await c.status('Dst', { messages: true })).messages).toBe(3);
      // \Deleted + UID EXPUNGE of one message only, then EXPUNGE of the rest.
      await c.messageFlagsAdd('1,4', ['\\Deleted'], { uid: true });
      await c.messageDelete('4', { uid: true }); // UID EXPUNGE 4
      expect(await c.search({ all: true }, { uid: true })).toEqual([1, 2, 5]);
      const wire = await rawSession();
      await wire.imap('s', 'SELECT Src');
      const res = await wire.imap('e', 'EXPUNGE');
      expect(res).toContain('* 1 EXPUNGE');
      wire.close();
      await c.noop();
      expect(await c.search({ all: true }, { uid: true })).toEqual([2, 5]);
      expect(await c.messageCopy('2', 'Missing', { uid: true })).toBe(false); // NO [TRYCREATE]
    });
  });

  it('answers QUOTA, NAMESPACE and STATUS', async () => {
    stack.core.config.updateMailbox(stack.core.config.findMailbox('bob@example.com')!.id, {
      quotaBytes: 10 * 1024 * 1024,
    });
    await withClient(
      async (c) => {
        await c.append('INBOX', message('quota', 'x'.repeat(4000)));
        const q = await c.getQuota('INBOX');
        expect(q).toMatchObject({ path: 'INBOX', storage: { limit: 10 * 1024 * 1024 } });
        expect((q as { storage: { usage: number } }).storage.usage).toBeGreaterThanOrEqual(4000);
        expect(c.namespaces).toMatchObject({ personal: [{ prefix: '', delimiter: '/' }] });
      },
      { user: 'bob@example.com' },
    );
  });

  it('refuses APPEND over quota with NO [OVERQUOTA]', async () => {
    const id = stack.core.config.findMailbox('bob@example.com')!.id;
    stack.core.config.updateMailbox(id, { quotaBytes: 6000 });
    const wire = await rawSession('bob@example.com');
    const body = message('too big', 'y'.repeat(5000));
    wire.write(`a APPEND INBOX {${body.length}}\r\n`);
    await wire.until((l) => l.startsWith('+'));
    wire.write(Buffer.concat([body, Buffer.from('\r\n')]));
    const res = await wire.until((l) => l.startsWith('a '));
    expect(res[res.length - 1]).toMatch(/^a NO \[OVERQUOTA\]/);
    wire.close();
    stack.core.config.updateMailbox(id, { quotaBytes: null });
  });

  it('sends ENVELOPE as encoded words, or as UTF-8 after ENABLE UTF8=ACCEPT', async () => {
    const raw = message('Ça coûte 12 €', 'x', 'Cc: =?UTF-8?Q?Zo=C3=A9?= <zoe@example.net>\r\n');
    await withClient((c) => c.append('INBOX', raw));
    const w = await rawSession();
    const ascii = (await w.imap('a', 'EXAMINE INBOX')).find((l) => / EXISTS$/.test(l))!;
    const n = ascii.split(' ')[1];
    const before = (await w.imap('b', `FETCH ${n} (ENVELOPE)`))[0]!;
    expect(before).toContain('"=?UTF-8?Q?=C3=87a_co=C3=BBte_12_=E2=82=AC?="');
    expect(before).toContain('"=?UTF-8?Q?Zo=C3=A9?="');
    await w.imap('c', 'UNSELECT');
    expect(await w.imap('d', 'ENABLE UTF8=ACCEPT')).toContain('* ENABLED UTF8=ACCEPT');
    await w.imap('e', 'EXAMINE INBOX');
    const after = (await w.imap('f', `FETCH ${n} (ENVELOPE)`))[0]!;
    expect(after).toContain('"Ça coûte 12 €"');
    expect(after).toContain('(("Zoé" NIL "zoe" "example.net"))');
    w.close();
  });

  it('holds a mailbox session per logged-in connection and releases it on logout or disconnect', async () => {
    const imap = stack.imap!;
    // Earlier tests' connections finish closing first.
    for (let i = 0; i < 100 && imap.stats().connections > 0; i++) await new Promise((r) => setTimeout(r, 20));
    const base = imap.stats().sessions;
    expect(base).toBe(0);
    const a = client();
    const b = client();
    await a.connect();
    await b.connect();
    expect(imap.stats().sessions).toBe(base + 2);
    await a.logout();
    b.close(); // no LOGOUT: the socket just goes away
    for (let i = 0; i < 50 && imap.stats().sessions > base; i++) await new Promise((r) => setTimeout(r, 20));
    expect(imap.stats().sessions).toBe(base);
  });

  it('shows mail delivered through the spool (drained at login)', async () => {
    const raw = message('From the spool', 'delivered while nobody was logged in');
    await stack.deliver('alice@example.com', raw);
    await withClient(async (c) => {
      const box = await c.mailboxOpen('INBOX');
      const m = await c.fetchOne(String(box.exists), { source: true, envelope: true });
      expect(must(m).envelope!.subject).toBe('From the spool');
      expect(must(m).source!.equals(raw)).toBe(true);
    });
  });
});

/** A raw TLS session, logged in. */
async function rawSession(user = 'alice@example.com'): Promise<LineWire> {
  const w = await LineWire.connect({ host: '127.0.0.1', port: stack.port('imap', 'implicit'), tls: true });
  await w.until((l) => l.startsWith('* OK'));
  const res = await w.imap('l', `LOGIN ${user} "${PASSWORD}"`);
  if (!res[res.length - 1]!.startsWith('l OK')) throw new Error(res.join('\n'));
  return w;
}
