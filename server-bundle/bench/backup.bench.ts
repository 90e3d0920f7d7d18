// Backups of a ~1 GB mailbox set with restic to a local repository (run on Node 24:
// `npm run bench -- --only backup --json`): the full backup, what an incremental one adds after
// ~1 % new mail in every mailbox (restic's data_added; the goal is <= 3 % of the full size), and
// a full restore into a new data directory.  --mb N sets the size (default 1024).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackupService } from '../src/backup/backup-service.ts';
import { generateKeyPair } from '../src/crypto/hybrid-kem.ts';
import { MailCore } from '../src/domain/mail-core.ts';
import { MailboxStore, type AppendInput } from '../src/storage/mailbox-store.ts';

const args = process.argv.slice(2);
const json = args.includes('--json');
const totalMb = Number(args[args.indexOf('--mb') + 1]) || 1024;
const log = (...a: unknown[]) => {
  if (!json) console.log(...a);
};

const WORDS = Array.from({ length: 5000 }, (_, i) => {
  const syll = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'ze', 'pa', 'qui', 'dor'];
  let w = '';
  for (let n = i + 7; n > 0; n = Math.floor(n / 12)) w += syll[n % 12];
  return w;
});

/** ~2 KB of indexed text and, for most messages, an attachment (raw only, not indexed). */
function message(i: number): AppendInput {
  let body = '';
  let x = (i * 2654435761) >>> 0;
  while (body.length < 2000) {
    x = (x * 1103515245 + 12345) >>> 0;
    body += WORDS[x % WORDS.length] + (x % 17 === 0 ? '.\r\n' : ' ');
  }
  const attachment = i % 4 === 0 ? '' : randomBytes(40_000 + (i % 7) * 20_000).toString('base64');
  const subject = `Status update ${i} ${WORDS[i % WORDS.length]}`;
  const raw = Buffer.from(
    `From: Sender ${i % 50} <sender${i % 50}@example.org>\r\nTo: Bob <bob@example.net>\r\nSubject: ${subject}\r\n` +
      `Date: Mon, 1 Jan 2024 10:00:00 +0000\r\nMessage-ID: <${i}.${randomBytes(4).toString('hex')}@example.org>\r\n` +
      `Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n${body}\r\n` +
      (attachment
        ? `--b\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n${attachment}\r\n`
        : '') +
      '--b--\r\n',
  );
  return {
    raw,
    summary: { subject, date: Date.parse('2024-01-01T10:00:00Z') },
    text: { subject, sender: `Sender ${i % 50}`, recipients: 'Bob bob@example.net', body },
  };
}

const root = mkdtempSync(join(tmpdir(), 'facteur-backup-bench-'));
try {
  const data = join(root, 'data');
  const core = await MailCore.open({ dataDir: data, kdfCost: { memory: 1024, passes: 1, parallelism: 1 } });
  core.config.addDomain('example.com');
  const recovery = generateKeyPair();
  const mailboxes = ['alice', 'bob', 'carol', 'dave'];
  const keys: Record<string, Buffer> = {};
  for (const name of mailboxes) {
    const m = await core.accounts.createMailbox({
      address: `${name}@example.com`,
      password: 'pw',
      recoveryPublicKey: recovery.publicKey.bytes,
    });
    keys[m.id] = (await core.accounts.login(m.address, 'pw')).key;
  }
  let n = 0;
  const fill = (bytesPerMailbox: number) => {
    for (const [id, key] of Object.entries(keys)) {
      const store = MailboxStore.open(core.mailboxPath(id), key);
      const inbox = store.getFolder('INBOX')!.id;
      let bytes = 0;
      while (bytes < bytesPerMailbox) {
        const batch: AppendInput[] = [];
        for (let k = 0; k < 50 && bytes < bytesPerMailbox; k++) {
          const msg = message(n++);
          bytes += msg.raw.length;
          batch.push(msg);
        }
        store.batch(() => batch.map((m) => store.append(inbox, m)));
      }
      store.close();
    }
  };
  const perMailbox = (totalMb * 1024 * 1024) / mailboxes.length;
  let t = performance.now();
  fill(perMailbox);
  log(`generated ${n} messages (${totalMb} MB of mail) in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  const svc = new BackupService({ dataDir: data, serverVersion: 'bench' });
  const settings = {
    target: { kind: 'local' as const, path: join(root, 'repo') },
    schedule: { everyMs: 86_400_000 },
    retention: { daily: 7, weekly: 4, monthly: 6 },
    verify: {},
  };
  await svc.writeSettings(settings, 'bench backup key');
  t = performance.now();
  const full = await svc.run();
  const fullS = (performance.now() - t) / 1000;
  log(`full backup: ${fullS.toFixed(1)} s, ${(full.addedBytes / 1e6).toFixed(1)} MB added`);

  fill(perMailbox * 0.01);
  t = performance.now();
  const inc = await svc.run();
  const incS = (performance.now() - t) / 1000;
  log(`incremental after ~1 % new mail: ${incS.toFixed(1)} s, ${(inc.addedBytes / 1e6).toFixed(2)} MB added`);
  core.close();

  const restoreDir = join(root, 'restored');
  const r = new BackupService({ dataDir: restoreDir });
  await r.writeSettings(settings, 'bench backup key');
  t = performance.now();
  await r.restore({ snapshotId: inc.id });
  const restoreS = (performance.now() - t) / 1000;
  log(`full restore: ${restoreS.toFixed(1)} s`);

  const results = {
    backup_full_s: Number(fullS.toFixed(2)),
    backup_full_mb: Number((full.addedBytes / 1e6).toFixed(1)),
    backup_incremental_s: Number(incS.toFixed(2)),
    backup_incremental_1pct_mb: Number((inc.addedBytes / 1e6).toFixed(2)),
    backup_incremental_1pct_ratio_pct: Number(((inc.addedBytes / full.addedBytes) * 100).toFixed(2)),
    restore_full_s: Number(restoreS.toFixed(2)),
  };
  if (json) console.log(JSON.stringify(results));
  else for (const [k, v] of Object.entries(results)) console.log(`${k.padEnd(40)} ${v}`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
