// Hostile and broken IMAP input: each gets a clear protocol answer (BAD / NO [CODE] / BYE) and the
// server keeps serving everyone else.
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LineWire } from '../line-wire.ts';
import {
  deeplyNestedMessage,
  message,
  PASSWORD,
  must,
  startMailStack,
  type MailStack,
} from '../mail-stack.ts';

let stack: MailStack;
let bystander: ImapFlow;

beforeAll(async () => {
  stack = await startMailStack();
  // A well-behaved client connected through all the abuse below.
  bystander = flow();
  await bystander.connect();
  await bystander.mailboxOpen('INBOX');
});

afterAll(async () => {
  await bystander?.logout().catch(() => {});
  await stack?.stop();
});

function flow(host = '127.0.0.1', pass = PASSWORD): ImapFlow {
  return new ImapFlow({
    host,
    port: stack.port('imap', 'implicit'),
    secure: true,
    tls: { rejectUnauthorized: false },
    auth: { user: 'alice@example.com', pass },
    logger: false,
    disableAutoIdle: true,
  });
}

async function wire(host = '127.0.0.1', login = true): Promise<LineWire> {
  const w = await LineWire.connect({ host, port: stack.port('imap', 'implicit'), tls: true });
  await w.until((l) => l.startsWith('* OK'));
  if (login) {
    const r = await w.imap('l', `LOGIN alice@example.com "${PASSWORD}"`);
    expect(r[r.length - 1]).toMatch(/^l OK/);
  }
  return w;
}

const last = (lines: string[]) => lines[lines.length - 1]!;

async function stillServing(): Promise<void> {
  const r = await bystander.noop();
  expect(r).toBeUndefined();
  expect(bystander.usable).toBe(true);
}

describe('IMAP bad input', () => {
  it('answers malformed commands with BAD and keeps the session', async () => {
    const w = await wire();
    w.write('\r\n');
    w.write('nonsense\r\n');
    expect(await w.until((l) => l.startsWith('* BAD'))).toEqual(['* BAD Invalid tag']);
    expect(last(await w.imap('a1', 'FROBNICATE now'))).toBe('a1 BAD Unknown command: FROBNICATE');
    expect(last(await w.imap('a2', 'SELECT'))).toMatch(/^a2 BAD Not enough arguments/);
    expect(last(await w.imap('a3', 'SELECT INBOX'))).toMatch(/^a3 OK/);
    expect(last(await w.imap('a4', 'FETCH 1:* (BODY[HEADER'))).toMatch(/^a4 BAD /);
    expect(last(await w.imap('a5', 'FETCH x:y FLAGS'))).toMatch(/^a5 BAD /);
    expect(last(await w.imap('a6', 'FETCH 1 (NOTANITEM)'))).toMatch(/^a6 BAD /);
    expect(last(await w.imap('a7', 'STORE 1 +FLAGS (\\Bogus)'))).toMatch(/^a7 BAD /);
    expect(last(await w.imap('a8', 'SEARCH NOTAKEY x'))).toMatch(/^a8 BAD /);
    expect(last(await w.imap('a9', 'SEARCH ' + '('.repeat(60) + 'ALL' + ')'.repeat(60)))).toMatch(/^a9 BAD /);
    expect(last(await w.imap('b1', 'UID FETCH 1:* (FLAGS) (CHANGEDSINCE x)'))).toMatch(/^b1 BAD /);
    expect(last(await w.imap('b2', 'NOOP'))).toMatch(/^b2 OK/);
    w.close();
    await stillServing();
  });

  it('survives invalid UTF-8 in names, search terms and messages', async () => {
    const w = await wire();
    const bad = Buffer.from([0xc3, 0x28, 0xff, 0xfe]);
    const sel = await w.imap('u1', Buffer.concat([Buffer.from('SELECT "'), bad, Buffer.from('"')]));
    expect(last(sel)).toMatch(/^u1 NO \[NONEXISTENT\]/);
    const search = Buffer.concat([Buffer.from('SEARCH BODY "'), bad, Buffer.from('"')]);
    expect(last(await w.imap('u2', 'SELECT INBOX'))).toMatch(/^u2 OK/);
    expect(last(await w.imap('u3', search))).toMatch(/^u3 OK/);
    // A message with invalid UTF-8 in headers and body is stored and returned byte for byte.
    const raw = Buffer.concat([
      Buffer.from('Subject: broken '),
      bad,
      Buffer.from('\r\nFrom: x@y.z\r\n\r\nbody '),
      bad,
      Buffer.from('\r\n'),
    ]);
    w.write(`u4 APPEND INBOX {${raw.length}}\r\n`);
    await w.until((l) => l.startsWith('+'));
    w.write(Buffer.concat([raw, Buffer.from('\r\n')]));
    const appended = last(await w.until((l) => l.startsWith('u4 ')));
    expect(appended).toMatch(/^u4 OK \[APPENDUID \d+ (\d+)\]/);
    const uid = Number(/APPENDUID \d+ (\d+)/.exec(appended)![1]);
    w.close();
    const c = flow();
    await c.connect();
    await c.mailboxOpen('INBOX');
    const m = await c.fetchOne(
      String(uid),
      { source: true, envelope: true, bodyStructure: true },
      { uid: true },
    );
    expect(must(m).source!.equals(raw)).toBe(true);
    await c.logout();
    await stillServing();
  });

  it('refuses literal size abuse without reading the data', async () => {
    const w = await wire(undefined, false);
    w.write('x0 LOGIN {2000}\r\n'); // only APPEND may send literals over 1 KiB
    expect(last(await w.until((l) => l.startsWith('x0 ')))).toBe('x0 NO Literal too large');
    w.write('x1 LOGIN {99999999}\r\n');
    expect(last(await w.until((l) => l.startsWith('x1 ')))).toBe('x1 NO [TOOBIG] Literal too large');
    const r = await w.imap('x2', `LOGIN alice@example.com "${PASSWORD}"`);
    expect(last(r)).toMatch(/^x2 OK/);
    w.write('x3 APPEND INBOX {999999999999}\r\n');
    expect(last(await w.until((l) => l.startsWith('x3 ')))).toMatch(/^x3 NO \[TOOBIG\]/);
    w.write('x4 APPEND INBOX {99999999999999999999999}\r\n');
    expect(last(await w.until((l) => l.startsWith('x4 ')))).toMatch(/^x4 (BAD|NO)/);
    expect(last(await w.imap('x5', 'NOOP'))).toMatch(/^x5 OK/);
    w.close();
    await stillServing();
  });

  it('closes a connection that sends an endless command line', async () => {
    const w = await wire();
    w.write('y1 SEARCH ' + 'A'.repeat(100_000));
    expect(await w.until((l) => l.startsWith('* BYE'))).toContain('* BYE Command line too long');
    expect(await w.waitClosed()).toBe(true);
    await stillServing();
  });

  it('drops a client after too many protocol errors', async () => {
    const w = await wire();
    for (let i = 0; i < 55; i++) w.write(`z${i} BOGUS\r\n`);
    const lines = await w.until((l) => l.startsWith('* BYE'));
    expect(lines[lines.length - 1]).toBe('* BYE Too many protocol errors');
    expect(await w.waitClosed()).toBe(true);
    await stillServing();
  });

  it('throttles wrong passwords per IP (NO [UNAVAILABLE]) while other addresses log in', async () => {
    const w = await wire('::1', false);
    for (let i = 0; i < 3; i++) {
      expect(last(await w.imap(`p${i}`, 'LOGIN alice@example.com "wrong password"'))).toBe(
        `p${i} NO [AUTHENTICATIONFAILED] Invalid credentials`,
      );
    }
    // Blocked now: even the right password is refused, with a clear code, for LOGIN and AUTHENTICATE.
    expect(last(await w.imap('p3', `LOGIN alice@example.com "${PASSWORD}"`))).toMatch(
      /^p3 NO \[UNAVAILABLE\] Too many failed logins, retry in \d+ s$/,
    );
    const plain = Buffer.from(`\0alice@example.com\0${PASSWORD}`).toString('base64');
    expect(last(await w.imap('p4', `AUTHENTICATE PLAIN ${plain}`))).toMatch(
      /^p4 NO \[UNAVAILABLE\] Too many failed logins/,
    );
    w.close();
    // Unknown addresses fail the same way as wrong passwords.
    const v4 = await wire('127.0.0.1', false);
    expect(last(await v4.imap('q1', 'LOGIN nobody@example.com "x"'))).toBe(
      'q1 NO [AUTHENTICATIONFAILED] Invalid credentials',
    );
    expect(last(await v4.imap('q2', `AUTHENTICATE PLAIN ${plain}`))).toMatch(/^q2 OK/);
    v4.close();
    await stillServing();
  });

  it('serves BODYSTRUCTURE of a 100-level nested MIME message, and survives a 5000-level one', async () => {
    const c = flow();
    await c.connect();
    await c.mailboxCreate('Nested');
    const nested = deeplyNestedMessage(100);
    await c.append('Nested', nested);
    await stack.deliver('alice@example.com', deeplyNestedMessage(100)); // through the spool and analyzer
    await c.append('Nested', deeplyNestedMessage(5000));
    await c.append('Nested', message('after', 'still fine'));
    await c.mailboxOpen('Nested');
    // imapflow drops structures nested this deep on its side; read the raw answer instead.
    const m = await c.fetchOne('1', { source: true, envelope: true });
    expect(must(m).source!.equals(nested)).toBe(true);
    expect(must(m).envelope!.subject).toBe('nested 100');
    const raw = await wire();
    await raw.imap('n', 'SELECT Nested');
    const bs = (await raw.imap('b', 'FETCH 1 (BODYSTRUCTURE)'))[0]!;
    expect(bs.match(/"MIXED"/g)).toHaveLength(100);
    expect(bs.startsWith('* 1 FETCH (BODYSTRUCTURE ' + '('.repeat(101) + '"TEXT" "PLAIN"')).toBe(true);
    expect([...bs].filter((ch) => ch === '(').length).toBe([...bs].filter((ch) => ch === ')').length);
    raw.close();
    const w = await wire();
    await w.imap('n0', 'SELECT Nested');
    const r = await w.imap('n1', 'FETCH 1:* (BODYSTRUCTURE ENVELOPE BODY[1.1.1])', 15_000);
    expect(last(r)).toMatch(/^n1 (OK|NO)/);
    expect(r.filter((l) => /^\* \d+ FETCH/.test(l)).length).toBeGreaterThanOrEqual(3);
    w.close();
    const inbox = await c.mailboxOpen('INBOX');
    const spooled = await c.fetchOne(String(inbox.exists), { bodyStructure: true, envelope: true });
    expect(must(spooled).envelope!.subject).toBe('nested 100');
    await c.logout();
    await stillServing();
  });
});
