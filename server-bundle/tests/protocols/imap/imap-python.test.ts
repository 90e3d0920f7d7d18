// IMAP with Python's imaplib (strict about response syntax), over 993 and over 143 + STARTTLS.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { message, multipartMessage, PASSWORD, startMailStack, type MailStack } from '../mail-stack.ts';

const run = promisify(execFile);
let stack: MailStack;

beforeAll(async () => {
  stack = await startMailStack();
});

afterAll(async () => {
  await stack?.stop();
});

const SCRIPT = String.raw`
import base64, imaplib, json, ssl, sys
host, port, mode, user, password, b64 = sys.argv[1:7]
raw = base64.b64decode(b64)
ctx = ssl._create_unverified_context()
out = {}
if mode == 'implicit':
    M = imaplib.IMAP4_SSL(host, int(port), ssl_context=ctx)
else:
    M = imaplib.IMAP4(host, int(port))
    out['caps_before_tls'] = list(M.capabilities)
    try:
        M.login(user, password)
        out['login_before_tls'] = 'accepted'
    except M.error as e:
        out['login_before_tls'] = str(e)
    M.starttls(ssl_context=ctx)
out['login'] = M.login(user, password)[0]
out['caps'] = M.capability()[1][0].decode().split()
typ, data = M.list()
out['list'] = [d.decode() for d in data]
out['namespace'] = M.namespace()[1][0].decode()
M.create('Py')
typ, data = M.append('Py', r'(\Flagged)', imaplib.Time2Internaldate(1700000000), raw)
out['append'] = [typ, data[0].decode()]
typ, data = M.select('Py')
out['select'] = [typ, data[0].decode()]
typ, data = M.fetch('1', '(RFC822 FLAGS RFC822.SIZE)')
out['rfc822_identical'] = data[0][1] == raw
out['fetch_meta'] = data[0][0].decode() + (data[1].decode() if isinstance(data[1], bytes) else '')
typ, data = M.fetch('1', '(BODY.PEEK[HEADER.FIELDS (SUBJECT)] BODYSTRUCTURE ENVELOPE INTERNALDATE)')
out['fetch_struct'] = [x.decode() if isinstance(x, bytes) else [y.decode() for y in x] for x in data]
typ, data = M.uid('SEARCH', None, 'BODY', 'facture')
out['search_body'] = data[0].decode()
typ, data = M.search(None, 'TEXT', 'nowhere-to-be-found')
out['search_none'] = data[0].decode()
typ, data = M.store('1', '+FLAGS', r'(\Deleted)')
out['store'] = [x.decode() for x in data]
typ, data = M.copy('1', 'INBOX')
out['copy'] = typ
typ, data = M.expunge()
out['expunge'] = [x.decode() for x in data if x]
typ, data = M.status('Py', '(MESSAGES UIDNEXT UNSEEN)')
out['status'] = data[0].decode()
typ, data = M.getquotaroot('INBOX')
out['quotaroot'] = [[y.decode() for y in x] for x in data]
M.close()
M.delete('Py')
out['logout'] = M.logout()[0]
print(json.dumps(out))
`;

async function python(mode: 'implicit' | 'starttls', raw: Buffer): Promise<Record<string, unknown>> {
  const { stdout } = await run(
    '/usr/bin/python3',
    [
      '-c',
      SCRIPT,
      '127.0.0.1',
      String(stack.port('imap', mode)),
      mode,
      'alice@example.com',
      PASSWORD,
      raw.toString('base64'),
    ],
    { timeout: 30_000 },
  );
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe('IMAP with Python imaplib', () => {
  it('runs a full session over implicit TLS; messages come back byte-identical', async () => {
    const raw = multipartMessage('Facture python');
    const r = await python('implicit', raw);
    expect(r.login).toBe('OK');
    expect(r.caps).toEqual(
      expect.arrayContaining(['IMAP4rev1', 'IDLE', 'UIDPLUS', 'CONDSTORE', 'MOVE', 'SPECIAL-USE', 'QUOTA']),
    );
    expect(r.list).toContain(String.raw`(\HasNoChildren \Sent) "/" "Sent"`);
    expect(r.namespace).toBe('(("" "/")) NIL NIL');
    expect(r.append).toEqual(['OK', expect.stringMatching(/^\[APPENDUID \d+ 1\] APPEND completed$/)]);
    expect(r.select).toEqual(['OK', '1']);
    expect(r.rfc822_identical).toBe(true);
    expect(r.fetch_meta).toMatch(new RegExp(`RFC822.SIZE ${raw.length}`));
    expect(r.fetch_meta).toMatch(/FLAGS \(\\Flagged \\Seen\)/); // RFC822 sets \Seen
    expect(JSON.stringify(r.fetch_struct)).toContain('Subject: Facture python');
    expect(r.search_body).toBe('1');
    expect(r.search_none).toBe('');
    expect(r.store).toEqual([expect.stringMatching(/^1 \(FLAGS \(\\Deleted \\Flagged \\Seen\)\)$/)]);
    expect(r.copy).toBe('OK');
    expect(r.expunge).toEqual(['1']);
    expect(r.status).toMatch(/^"?Py"? \(MESSAGES 0 UIDNEXT 2 UNSEEN 0\)$/);
    expect(JSON.stringify(r.quotaroot)).toContain('STORAGE');
    expect(r.logout).toBe('BYE');
  });

  it('refuses LOGIN before STARTTLS on 143 (LOGINDISABLED), then works after it', async () => {
    const r = await python('starttls', message('Over starttls', 'plain then tls'));
    expect(r.caps_before_tls).toEqual(expect.arrayContaining(['STARTTLS', 'LOGINDISABLED']));
    expect(String(r.login_before_tls)).not.toBe('accepted');
    expect(r.login).toBe('OK');
    expect(r.rfc822_identical).toBe(true);
  });
});
