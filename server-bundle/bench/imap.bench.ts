// IMAP benchmarks over real TLS sockets with real clients in separate processes, on a
// 10,000-message encrypted mailbox of 10 KB messages (populated directly through the store,
// analyzed like the spool drain does). Run on Node 24: `npm run bench:imap -- --json`.
//   imap_fetch_1000_envelopes_ms   UID FETCH 1:1000 (UID ENVELOPE), Python imaplib, median   target <= 50
//   imap_search_body_10k_ms        UID SEARCH BODY <word> over the 10k, imaplib, median       target <= 300
// The same two commands are also timed with imapflow (*_imapflow_ms): that number includes
// imapflow's own parsing of every ENVELOPE into objects, which costs more than the server's work.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ImapFlow } from 'imapflow';
import { generateKeyPair } from '../src/crypto/hybrid-kem.ts';
import { MailCore } from '../src/domain/mail-core.ts';
import { silentLogger } from '../src/log/logger.ts';
import { imapAnalyzer } from '../src/protocols/imap/imap-summary.ts';
import { startImap } from '../src/protocols/imap/start-imap.ts';
import { noLoginThrottle } from '../src/security/login-throttle.ts';
import { MailboxStore, type AppendInput } from '../src/storage/mailbox-store.ts';
import { TlsProvider } from '../src/tls/tls-provider.ts';

const args = process.argv.slice(2);
const json = args.includes('--json');
const total = Number(args[args.indexOf('--messages') + 1]) || 10_000;
const runs = Number(args[args.indexOf('--runs') + 1]) || 7;
const log = (...a: unknown[]) => {
  if (!json) console.log(...a);
};

const WORDS = Array.from({ length: 5000 }, (_, i) => {
  const syll = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'ze', 'pa', 'qui', 'dor'];
  let w = '';
  for (let n = i + 7; n > 0; n = Math.floor(n / 12)) w += syll[n % 12];
  return w;
});

function message(i: number): Buffer {
  let body = '';
  let x = (i * 2654435761) >>> 0;
  while (body.length < 9500) {
    x = (x * 1103515245 + 12345) >>> 0;
    body += WORDS[(x >>> 8) % WORDS.length] + ((x >>> 4) % 17 === 0 ? '.\r\n' : ' ');
  }
  if (i % 100 === 0) body += '\r\nPlease find the quarterly zanzibar report attached.\r\n';
  const headers =
    `From: Sender ${i % 50} <sender${i % 50}@example.org>\r\nTo: Bob <bob@example.com>\r\n` +
    `Subject: Status update ${i} ${WORDS[i % WORDS.length]}\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n` +
    `Message-ID: <${i}@example.org>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n`;
  return Buffer.from(headers + body + '\r\n');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const run = promisify(execFile);

// The measuring client: Python's imaplib in its own process (reads every line and literal of the
// answer; times are taken around each command).
const PY_CLIENT = String.raw`
import imaplib, json, ssl, sys, time
port, runs = int(sys.argv[1]), int(sys.argv[2])
M = imaplib.IMAP4_SSL('127.0.0.1', port, ssl_context=ssl._create_unverified_context())
M.login('bob@example.com', 'pw')
exists = int(M.select('INBOX')[1][0])
def timed(*cmd):
    t = time.perf_counter()
    typ, data = M.uid(*cmd) if cmd[0] in ('FETCH', 'SEARCH') else M.search(*cmd[1:])
    ms = (time.perf_counter() - t) * 1000
    assert typ == 'OK', (typ, data)
    return ms, data
out = {'exists': exists, 'fetch': [], 'search': [], 'wide': []}
for r in range(runs + 1):
    ms, data = timed('FETCH', '1:1000', '(UID ENVELOPE)')
    assert len(data) == 1000 and b'ENVELOPE' in data[-1], len(data)
    out['fetch'].append(ms)
for r in range(runs + 1):
    ms, data = timed('SEARCH', 'BODY', 'zanzibar')
    out['search'].append(ms)
    out['searchHits'] = len(data[0].split())
for r in range(3):
    ms, data = timed('SEQSEARCH', None, 'BODY', sys.argv[3] if len(sys.argv) > 3 else 'sa')
    out['wide'].append(ms)
    out['wideHits'] = len(data[0].split())
M.logout()
print(json.dumps(out))
`;

if (args.includes('--imapflow-client')) {
  const port = Number(args[args.indexOf('--imapflow-client') + 1]);
  const client = new ImapFlow({
    host: '127.0.0.1',
    port,
    secure: true,
    tls: { rejectUnauthorized: false },
    auth: { user: 'bob@example.com', pass: 'pw' },
    logger: false,
    disableAutoIdle: true,
  });
  await client.connect();
  await client.mailboxOpen('INBOX');
  const out = { fetch: [] as number[], search: [] as number[] };
  for (let r = 0; r <= runs; r++) {
    const t = performance.now();
    const msgs = await client.fetchAll('1:1000', { uid: true, envelope: true }, { uid: true });
    out.fetch.push(performance.now() - t);
    if (msgs.length !== 1000) throw new Error('imapflow fetch returned ' + msgs.length);
  }
  for (let r = 0; r <= runs; r++) {
    const t = performance.now();
    await client.search({ body: 'zanzibar' }, { uid: true });
    out.search.push(performance.now() - t);
  }
  await client.logout();
  process.stdout.write(JSON.stringify(out) + '\n');
  process.exit(0);
}

const dir = mkdtempSync(join(tmpdir(), 'facteur-imap-bench-'));
const results: Record<string, number | string> = {};
try {
  const core = await MailCore.open({
    dataDir: dir,
    kdfCost: { memory: 1024, passes: 1, parallelism: 1 },
    analyzer: imapAnalyzer,
  });
  core.config.addDomain('example.com');
  await core.accounts.createMailbox({
    address: 'bob@example.com',
    password: 'pw',
    recoveryPublicKey: generateKeyPair().publicKey.bytes,
  });

  // Populate: analyze (summary + IMAP structure + FTS text) and append in batched transactions.
  const t0 = performance.now();
  const { mailbox, key } = await core.accounts.login('bob@example.com', 'pw');
  const store = MailboxStore.open(core.mailboxPath(mailbox.id), key);
  key.fill(0);
  const inbox = store.getFolder('INBOX')!.id;
  for (let start = 0; start < total; start += 500) {
    const batch: AppendInput[] = [];
    for (let i = start; i < Math.min(total, start + 500); i++) {
      const raw = message(i);
      const a = await imapAnalyzer.analyze(raw);
      batch.push({
        raw,
        summary: a.summary,
        text: a.text,
        internalDate: Date.UTC(2024, 0, 1) + i * 60_000,
        flags: i % 3 ? ['\\Seen'] : [],
      });
    }
    store.batch(() => {
      for (const m of batch) store.append(inbox, m);
    });
  }
  store.close();
  results.imap_bench_populate_s = Number(((performance.now() - t0) / 1000).toFixed(1));
  log(`populated ${total} messages in ${results.imap_bench_populate_s} s`);

  const tls = await TlsProvider.loadOrCreate({ dir: join(dir, 'tls'), hostNames: ['localhost'] });
  const imap = await startImap(
    { core, throttle: noLoginThrottle, tls, log: silentLogger },
    { listeners: [{ host: '127.0.0.1', port: 0, tls: 'implicit' }], pollIntervalMs: 0 },
  );
  const port = imap.addresses[0]!.port;
  const py = JSON.parse(
    (await run('/usr/bin/python3', ['-c', PY_CLIENT, String(port), String(runs)], { timeout: 300_000 }))
      .stdout,
  ) as {
    fetch: number[];
    search: number[];
    searchHits: number;
    wide: number[];
    wideHits: number;
    exists: number;
  };
  if (py.exists !== total || py.searchHits !== Math.ceil(total / 100))
    throw new Error(`unexpected answers: ${JSON.stringify(py)}`);
  results.imap_fetch_1000_envelopes_ms = Number(median(py.fetch.slice(1)).toFixed(1));
  results.imap_fetch_1000_envelopes_cold_ms = Number(py.fetch[0]!.toFixed(1));
  results.imap_search_body_10k_ms = Number(median(py.search.slice(1)).toFixed(1));
  results.imap_search_body_10k_cold_ms = Number(py.search[0]!.toFixed(1));
  results.imap_search_body_10k_wide_ms = Number(median(py.wide).toFixed(1));
  results.imap_search_body_10k_wide_hits = py.wideHits;
  log(
    'imaplib UID FETCH 1:1000 (UID ENVELOPE): cold',
    results.imap_fetch_1000_envelopes_cold_ms,
    'ms, median',
    results.imap_fetch_1000_envelopes_ms,
    'ms',
  );
  log(
    `imaplib UID SEARCH BODY zanzibar (${py.searchHits} hits): cold`,
    results.imap_search_body_10k_cold_ms,
    'ms, median',
    results.imap_search_body_10k_ms,
    'ms',
  );
  log(
    `imaplib SEARCH BODY <common word> (${py.wideHits} hits, sequence numbers): median`,
    results.imap_search_body_10k_wide_ms,
    'ms',
  );

  const flow = JSON.parse(
    (
      await run(
        process.execPath,
        [fileURLToPath(import.meta.url), '--imapflow-client', String(port), '--runs', String(runs)],
        { timeout: 300_000 },
      )
    ).stdout,
  ) as { fetch: number[]; search: number[] };
  results.imap_fetch_1000_envelopes_imapflow_ms = Number(median(flow.fetch.slice(1)).toFixed(1));
  results.imap_search_body_10k_imapflow_ms = Number(median(flow.search.slice(1)).toFixed(1));
  log(
    'imapflow (parses every ENVELOPE): fetch median',
    results.imap_fetch_1000_envelopes_imapflow_ms,
    'ms, search median',
    results.imap_search_body_10k_imapflow_ms,
    'ms',
  );

  await imap.close();
  core.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}

if (json) process.stdout.write(JSON.stringify(results) + '\n');
