// POP3 with real clients: Python's poplib (995 and 110 + STLS, IPv4 and IPv6) and curl (pop3s),
// byte-identical retrieval, DELE applied at QUIT as an expunge, the maildrop lock, and bad input.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LineWire } from '../line-wire.ts';
import { message, must, PASSWORD, startMailStack, type MailStack } from '../mail-stack.ts';

const run = promisify(execFile);
let stack: MailStack;
const dotted = message('Dots', 'first line\r\n.starts with a dot\r\n..two dots\r\n.\r\nlast line');
const plain = message('Plain', 'Bonjour, ça va ? 💌');

beforeAll(async () => {
  stack = await startMailStack({ pop3: true });
  await stack.deliver('alice@example.com', dotted);
  await stack.deliver('alice@example.com', plain);
  await stack.deliver('alice@example.com', message('Third', 'to be deleted'));
});

afterAll(async () => {
  await stack?.stop();
});

const SCRIPT = String.raw`
import base64, json, poplib, ssl, sys
host, port, mode, user, password = sys.argv[1:6]
expected = [base64.b64decode(x) for x in sys.argv[6:]]
ctx = ssl._create_unverified_context()
out = {}
if mode == 'implicit':
    P = poplib.POP3_SSL(host, int(port), context=ctx)
else:
    P = poplib.POP3(host, int(port))
    out['capa_before'] = sorted(P.capa().keys())
    try:
        P.user(user)
        out['user_before_tls'] = 'accepted'
    except poplib.error_proto as e:
        out['user_before_tls'] = e.args[0].decode()
    P.stls(context=ctx)
out['welcome'] = P.getwelcome().decode()
out['capa'] = sorted(P.capa().keys())
P.user(user)
out['pass'] = P.pass_(password).decode()
out['stat'] = list(P.stat())
resp, lines, _ = P.list()
out['list'] = [l.decode() for l in lines]
resp, lines, _ = P.uidl()
out['uidl'] = [l.decode() for l in lines]
out['identical'] = []
for i, exp in enumerate(expected):
    resp, lines, octets = P.retr(i + 1)
    out['identical'].append(b'\r\n'.join(lines) + b'\r\n' == exp and octets >= len(exp))
resp, lines, _ = P.top(2, 0)
out['top'] = [l.decode() for l in lines]
if out['stat'][0] >= 3:
    out['dele'] = P.dele(3).decode()
    resp, lines, _ = P.list()
    out['list_after_dele'] = [l.decode() for l in lines]
    try:
        P.retr(3)
    except poplib.error_proto as e:
        out['retr_deleted'] = e.args[0].decode()
    out['rset'] = P.rset().decode()
    out['dele_again'] = P.dele(3).decode()
out['quit'] = P.quit().decode()
print(json.dumps(out))
`;

async function poplib(
  mode: 'implicit' | 'starttls',
  host = '127.0.0.1',
  expected: Buffer[] = [],
): Promise<Record<string, unknown>> {
  const { stdout } = await run(
    '/usr/bin/python3',
    [
      '-c',
      SCRIPT,
      host,
      String(stack.port('pop3', mode)),
      mode,
      'alice@example.com',
      PASSWORD,
      ...expected.map((b) => b.toString('base64')),
    ],
    { timeout: 30_000 },
  );
  return JSON.parse(stdout) as Record<string, unknown>;
}

async function imapSubjects(): Promise<string[]> {
  const c = new ImapFlow({
    host: '127.0.0.1',
    port: stack.port('imap', 'implicit'),
    secure: true,
    tls: { rejectUnauthorized: false },
    auth: { user: 'alice@example.com', pass: PASSWORD },
    logger: false,
    disableAutoIdle: true,
  });
  await c.connect();
  await c.mailboxOpen('INBOX');
  const out: string[] = [];
  for await (const m of c.fetch('1:*', { envelope: true })) out.push(must(m.envelope).subject ?? '');
  await c.logout();
  return out;
}

async function pop(host = '127.0.0.1'): Promise<LineWire> {
  const w = await LineWire.connect({ host, port: stack.port('pop3', 'implicit'), tls: true });
  await w.until((l) => l.startsWith('+OK'));
  return w;
}

describe('POP3', () => {
  it('poplib over 995 (IPv6): STAT, LIST, UIDL, TOP, RETR byte-identical, DELE, RSET, and QUIT expunges', async () => {
    const r = await poplib('implicit', '::1', [dotted, plain]);
    expect(r.welcome).toMatch(/^\+OK Facteur ready/);
    expect(r.capa).toEqual(
      expect.arrayContaining(['TOP', 'UIDL', 'USER', 'SASL', 'RESP-CODES', 'PIPELINING']),
    );
    expect(r.capa).not.toContain('STLS');
    expect(r.pass).toBe('+OK maildrop has 3 messages (' + String((r.stat as number[])[1]) + ' octets)');
    expect((r.stat as number[])[0]).toBe(3);
    expect(r.list).toEqual([`1 ${dotted.length}`, `2 ${plain.length}`, expect.stringMatching(/^3 \d+$/)]);
    expect(r.uidl).toEqual([
      expect.stringMatching(/^1 \d+\.1$/),
      expect.stringMatching(/^2 \d+\.2$/),
      expect.stringMatching(/^3 \d+\.3$/),
    ]);
    expect(r.identical).toEqual([true, true]);
    expect(r.top).toEqual(expect.arrayContaining(['Subject: Plain', '']));
    expect(r.top).not.toContain('Bonjour, ça va ? 💌');
    expect(r.dele).toBe('+OK message 3 deleted');
    expect(r.list_after_dele).toEqual([`1 ${dotted.length}`, `2 ${plain.length}`]); // numbering kept
    expect(r.retr_deleted).toBe('-ERR message 3 already deleted');
    expect(r.rset).toMatch(/^\+OK maildrop has 3 messages/);
    expect(r.quit).toBe('+OK Bye');
    // DELE 3 was applied at QUIT; the retrieved messages are \Seen for IMAP.
    expect(await imapSubjects()).toEqual(['Dots', 'Plain']);
  });

  it('poplib over 110 with STLS; USER is refused before TLS', async () => {
    const r = await poplib('starttls', '127.0.0.1', [dotted]);
    expect(r.capa_before).toEqual(expect.arrayContaining(['STLS', 'TOP', 'UIDL']));
    expect(r.capa_before).not.toContain('USER');
    expect(String(r.user_before_tls)).toMatch(/^-ERR/);
    expect(r.pass).toMatch(/^\+OK maildrop has 2 messages/);
    expect(r.identical).toEqual([true]);
  });

  it('curl lists and retrieves over pop3s, byte-identical', async () => {
    const base = `pop3s://127.0.0.1:${stack.port('pop3', 'implicit')}`;
    const auth = ['-u', `alice@example.com:${PASSWORD}`, '-k', '-s', '--max-time', '10'];
    const list = await run('curl', [...auth, `${base}/`], { encoding: 'buffer' });
    expect(list.stdout.toString()).toBe(`1 ${dotted.length}\r\n2 ${plain.length}\r\n`);
    const one = await run('curl', [...auth, `${base}/1`], { encoding: 'buffer' });
    expect(one.stdout.equals(dotted)).toBe(true);
    const two = await run('curl', [...auth, '-g', `pop3s://[::1]:${stack.port('pop3', 'implicit')}/2`], {
      encoding: 'buffer',
    });
    expect(two.stdout.equals(plain)).toBe(true);
  });

  it('accepts SASL PLAIN (RFC 5034), initial response or continuation', async () => {
    const good = Buffer.from(`\0alice@example.com\0${PASSWORD}`).toString('base64');
    const bad = Buffer.from('\0alice@example.com\0nope').toString('base64');
    const w = await pop();
    expect(await w.pop(`AUTH PLAIN ${bad}`)).toBe('-ERR [AUTH] Invalid credentials');
    w.write('AUTH PLAIN\r\n');
    await w.until((l) => l.startsWith('+ '));
    expect(await w.pop(good)).toMatch(/^\+OK maildrop has \d+ messages/);
    expect(await w.pop('QUIT')).toBe('+OK Bye');
  });

  it('locks the maildrop: a second session gets -ERR [IN-USE]', async () => {
    const a = await pop();
    expect(await a.pop('USER alice@example.com')).toBe('+OK send PASS');
    expect(await a.pop(`PASS ${PASSWORD}`)).toMatch(/^\+OK maildrop has 2 messages/);
    const b = await pop();
    await b.pop('USER alice@example.com');
    expect(await b.pop(`PASS ${PASSWORD}`, 8000)).toBe(
      '-ERR [IN-USE] Maildrop is in use by another POP3 session',
    );
    expect(await a.pop('QUIT')).toBe('+OK Bye');
    const c = await pop();
    await c.pop('USER alice@example.com');
    expect(await c.pop(`PASS ${PASSWORD}`)).toMatch(/^\+OK/);
    expect(await c.pop('QUIT')).toBe('+OK Bye');
  });

  it('answers bad input with -ERR and keeps serving others', async () => {
    const bystander = await pop();
    await bystander.pop('USER bob@example.com');
    expect(await bystander.pop(`PASS ${PASSWORD}`)).toMatch(/^\+OK/);

    const w = await pop();
    expect(await w.pop('STAT')).toBe('-ERR Command not accepted');
    expect(await w.pop(Buffer.from([0x55, 0x53, 0x45, 0x52, 0x20, 0xff, 0xfe, 0xc3, 0x28]))).toBe(
      '+OK send PASS',
    );
    expect(await w.pop('PASS whatever')).toBe('-ERR [AUTH] Invalid credentials');
    await w.pop('USER alice@example.com');
    expect(await w.pop(`PASS ${PASSWORD}`)).toMatch(/^\+OK/);
    expect(await w.pop('LIST abc')).toBe('-ERR malformed command');
    expect(await w.pop('LIST 99')).toBe('-ERR no such message');
    expect(await w.pop('UIDL 0')).toBe('-ERR no such message');
    expect(await w.pop('RETR 99')).toMatch(/^-ERR no such message/);
    // Split across TCP segments: still one command.
    w.write('NO');
    await new Promise((r) => setTimeout(r, 50));
    expect(await w.pop('OP')).toBe('+OK');
    expect(await w.pop('FROB')).toBe('-ERR bad command');
    expect(await w.waitClosed()).toBe(true);

    const long = await pop();
    long.write('USER ' + 'a'.repeat(20_000));
    expect(await long.until((l) => l.startsWith('-ERR'))).toContain('-ERR Command line too long');
    expect(await long.waitClosed()).toBe(true);

    expect(await bystander.pop('STAT')).toMatch(/^\+OK \d+ \d+$/);
    expect(await bystander.pop('QUIT')).toBe('+OK Bye');
  });

  it('throttles wrong passwords per IP with -ERR [LOGIN-DELAY]', async () => {
    for (let i = 0; i < 3; i++) {
      const w = await pop('::1');
      await w.pop('USER alice@example.com');
      expect(await w.pop('PASS nope')).toBe('-ERR [AUTH] Invalid credentials');
      w.close();
    }
    const blocked = await pop('::1');
    await blocked.pop('USER alice@example.com');
    expect(await blocked.pop(`PASS ${PASSWORD}`)).toMatch(
      /^-ERR \[LOGIN-DELAY\] Too many failed logins, retry in \d+ s$/,
    );
    expect(await blocked.waitClosed()).toBe(true);
    // Another address is not affected.
    const ok = await pop('127.0.0.1');
    await ok.pop('USER alice@example.com');
    expect(await ok.pop(`PASS ${PASSWORD}`)).toMatch(/^\+OK/);
    expect(await ok.pop('QUIT')).toBe('+OK Bye');
  });
});
