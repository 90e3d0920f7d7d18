import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MailboxSession } from '../../src/domain/mailbox-session.ts';
import { defaultAnalyzer } from '../../src/domain/message-analyzer.ts';
import { Spool } from '../../src/storage/spool.ts';
import { newCore, rfc822 } from '../helpers/core.ts';
import { useTmpDir } from '../helpers/tmp.ts';

const tmp = useTmpDir();

async function setup(opts: { quotaBytes?: number; maxMessageBytes?: number } = {}) {
  const dataDir = tmp();
  const { core, recovery } = await newCore(dataDir, { maxMessageBytes: opts.maxMessageBytes });
  const alice = await core.accounts.createMailbox({
    address: 'alice@example.com',
    password: 'pw',
    recoveryPublicKey: recovery.publicKey.bytes,
    quotaBytes: opts.quotaBytes ?? null,
  });
  const bob = await core.accounts.createMailbox({
    address: 'bob@example.com',
    password: 'pw2',
    recoveryPublicKey: recovery.publicKey.bytes,
  });
  core.config.setAlias('team@example.com', ['alice@example.com', 'bob@example.com']);
  return { dataDir, core, alice, bob };
}

describe('delivery to the spool and drain into the mailbox', () => {
  it('delivers to mailboxes and aliases once per mailbox; the first session moves it in', async () => {
    const { core, alice, bob } = await setup();
    const rcpts = [
      await core.delivery.checkRecipient('alice+tag@example.com'),
      await core.delivery.checkRecipient('team@example.com'),
    ];
    const res = await core.delivery.deliver(rcpts, rfc822('Hello team', 'quarterly numbers attached'), {
      mailFrom: 'x@remote.org',
    });
    expect(res.spooled.map((s) => s.mailboxId).sort()).toEqual([alice.id, bob.id].sort());
    expect(await core.spool.list(alice.id)).toHaveLength(1);

    const s = await core.openSession('alice@example.com', 'pw');
    expect(await core.spool.list(alice.id)).toEqual([]);
    const inbox = s.view.getFolder('INBOX')!.id;
    const [m] = s.view.fetch(inbox);
    expect(m!.summary).toMatchObject({ subject: 'Hello team', from: [{ address: 'sender@remote.org' }] });
    expect(s.view.search(inbox, { body: ['quarterly'] })).toEqual([1]);
    expect(s.view.readRaw(inbox, 1)!.equals(rfc822('Hello team', 'quarterly numbers attached'))).toBe(true);
    expect(core.config.getMailbox(alice.id)!.usedMessages).toBe(1);
    s.close();
    expect(await core.spool.list(bob.id)).toHaveLength(1); // bob has not logged in
    core.close();
  });

  it('rejects unknown recipients, remote domains, oversize and over-quota mail with codes', async () => {
    const { core } = await setup({ quotaBytes: 2000, maxMessageBytes: 5000 });
    const code = (p: Promise<unknown>) =>
      p.then(
        () => 'ok',
        (e: { code: string }) => e.code,
      );
    expect(await code(core.delivery.checkRecipient('nobody@example.com'))).toBe('NO_SUCH_RECIPIENT');
    expect(await code(core.delivery.checkRecipient('someone@gmail.com'))).toBe('NOT_LOCAL');
    expect(await code(core.delivery.checkRecipient('bob@example.com', 6000))).toBe('TOO_LARGE');
    expect(await code(core.delivery.checkRecipient('alice@example.com', 2500))).toBe('OVER_QUOTA');
    const r = await core.delivery.checkRecipient('bob@example.com');
    expect(await code(core.delivery.deliver([r], Buffer.alloc(6000, 97), { mailFrom: 'a@b.c' }))).toBe(
      'TOO_LARGE',
    );
    expect(await core.spool.list(r.resolution.mailboxes[0]!.id)).toEqual([]);
    // Quota counts mail still sealed in the spool (the server cannot look inside the mailbox).
    const a = await core.delivery.checkRecipient('alice@example.com');
    await core.delivery.deliver([a], Buffer.alloc(1500, 97), { mailFrom: 'a@b.c' });
    expect(await code(core.delivery.checkRecipient('alice@example.com', 100))).toBe('OVER_QUOTA');
    core.close();
  });

  it('drain survives a crash after commit and before unlink: nothing lost, nothing duplicated', async () => {
    const { core, alice } = await setup();
    const rcpt = await core.delivery.checkRecipient('alice@example.com');
    for (let i = 0; i < 3; i++)
      await core.delivery.deliver([rcpt], rfc822(`msg ${i}`, `body ${i}`), { mailFrom: 'a@b.c' });
    const { key } = await core.accounts.login('alice@example.com', 'pw');

    // A spool whose unlink "crashes" after the (batched) messages were committed.
    class CrashingSpool extends Spool {
      override async remove(): Promise<void> {
        throw new Error('simulated crash before unlink');
      }
    }
    const deps = {
      config: core.config,
      analyzer: defaultAnalyzer,
      mailboxPath: (id: string) => core.mailboxPath(id),
    };
    const crashing = await MailboxSession.open(
      alice,
      key,
      { ...deps, spool: new CrashingSpool(core.spool.root) },
      { drain: false },
    );
    await expect(crashing.drainSpool()).rejects.toThrow('simulated crash');
    crashing.close();
    expect(await core.spool.list(alice.id)).toHaveLength(3);
    // Two more arrive after the crash.
    for (let i = 3; i < 5; i++)
      await core.delivery.deliver([rcpt], rfc822(`msg ${i}`, `body ${i}`), { mailFrom: 'a@b.c' });

    // A crash before commit: the analyzer fails on the first message.
    const failing = await MailboxSession.open(
      alice,
      key,
      {
        ...deps,
        spool: core.spool,
        analyzer: { analyze: () => Promise.reject(new Error('crash before commit')) },
      },
      { drain: false },
    );
    await expect(failing.drainSpool()).rejects.toThrow('crash before commit');
    failing.close();

    // Two processes drain at once after restart.
    const [s1, s2] = await Promise.all([
      MailboxSession.open(alice, key, { ...deps, spool: new Spool(core.spool.root) }, { drain: false }),
      MailboxSession.open(alice, key, { ...deps, spool: new Spool(core.spool.root) }, { drain: false }),
    ]);
    const [r1, r2] = await Promise.all([s1.drainSpool(), s2.drainSpool()]);
    expect(r1.delivered + r2.delivered).toBe(2);
    const inbox = s1.view.getFolder('INBOX')!.id;
    expect(
      s1.view
        .fetch(inbox)
        .map((m) => (m.summary as { subject: string }).subject)
        .sort(),
    ).toEqual(['msg 0', 'msg 1', 'msg 2', 'msg 3', 'msg 4']);
    expect(await core.spool.list(alice.id)).toEqual([]);
    s1.close();
    s2.close();
    core.close();
  });

  it('carries a 60 MB message from SMTP stream to mailbox, byte-identical', async () => {
    const { core } = await setup({ maxMessageBytes: 70 * 1024 * 1024 });
    const head = Buffer.from(
      'From: a@remote.org\r\nTo: alice@example.com\r\nSubject: big\r\nMIME-Version: 1.0\r\n' +
        'Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nsee attachment\r\n' +
        '--B\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n' +
        'Content-Disposition: attachment; filename=big.bin\r\n\r\n',
    );
    const line = Buffer.from(randomBytes(57).toString('base64') + '\r\n');
    const lines = Math.ceil((60 * 1024 * 1024) / line.length);
    const block = Buffer.concat(Array.from({ length: 1000 }, () => line));
    async function* smtpData() {
      yield head;
      for (let n = 0; n < lines; n += 1000)
        yield n + 1000 <= lines ? block : block.subarray(0, (lines - n) * line.length);
      yield Buffer.from('--B--\r\n');
    }
    const total = head.length + lines * line.length + 7;
    const hash = createHash('sha256');
    for await (const c of smtpData()) hash.update(c);
    const rcpt = await core.delivery.checkRecipient('alice@example.com', total);
    await core.delivery.deliver([rcpt], smtpData(), { mailFrom: 'a@remote.org' });
    const s = await core.openSession('alice@example.com', 'pw');
    const inbox = s.view.getFolder('INBOX')!.id;
    const [m] = s.view.fetch(inbox);
    expect(m!.size).toBe(total);
    expect((m!.summary as { attachments: number }).attachments).toBe(1);
    const h2 = createHash('sha256');
    for (const c of s.view.readRawChunks(inbox, m!.uid)) h2.update(c);
    expect(h2.digest('hex')).toBe(hash.digest('hex'));
    expect(s.view.search(inbox, { text: ['attachment'] })).toEqual([m!.uid]);
    s.close();
    core.close();
  });

  it('append through the session enforces the quota', async () => {
    const { core } = await setup({ quotaBytes: 1000 });
    const s = await core.openSession('alice@example.com', 'pw');
    const inbox = s.view.getFolder('INBOX')!.id;
    await s.append(inbox, Buffer.alloc(800, 97), { flags: ['\\Seen'] });
    await expect(s.append(inbox, Buffer.alloc(300, 97))).rejects.toMatchObject({ code: 'OVER_QUOTA' });
    s.close();
    core.close();
  });
});
