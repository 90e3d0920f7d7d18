// The jobs role (the real one, from a role context, as `facteur-server role jobs` runs it) beside
// the control API harness (MailCore, Redis, TLS, IMAP): the owner's mailbox is read back over IMAP,
// the alert state through GET /v1/alerts. Durations from the config so a test runs in seconds.
import { ImapFlow } from 'imapflow';
import { AlertStateStore } from '../../src/alerts/alert-state.ts';
import { startJobsRole } from '../../src/jobs/jobs-role-start.ts';
import { openRoleContext, type RoleContext } from '../../src/run/role-context.ts';
import { resolveConfig, type ServerConfig } from '../../src/run/server-config.ts';
import type { ControlHarness } from '../control/control-harness.ts';
import { PASSWORD } from '../protocols/mail-stack.ts';

export const OWNER = 'owner@example.com';

export interface RunningJobsRole {
  ctx: RoleContext;
  jobs: Awaited<ReturnType<typeof startJobsRole>>;
  stop(): Promise<void>;
}

export async function startJobsWithAlerts(
  h: ControlHarness,
  alerts: Partial<ServerConfig['alerts']>,
  backup: Partial<ServerConfig['backup']> = {},
): Promise<RunningJobsRole> {
  const config = resolveConfig({
    hostname: 'mail.example.com',
    dataDir: h.dataDir,
    redis: { url: h.redis.url, keyPrefix: 'test:' },
    heartbeatMs: 50,
    logLevel: 'warn',
    logs: { toFile: false },
    metrics: { intervalMs: 1_000 },
    alerts: { intervalMs: 100, roleDownAfterMs: 300, diskPercent: 100, blocklists: [], ...alerts },
    backup,
  });
  const ctx = await openRoleContext(config, 'jobs');
  const jobs = await startJobsRole(ctx);
  return {
    ctx,
    jobs,
    async stop() {
      await jobs.close();
      await ctx.close();
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until the jobs role has started `n` more alert rounds (n - 1 of them are complete). */
export async function alertRounds(h: ControlHarness, n: number, timeoutMs = 10_000): Promise<void> {
  const store = new AlertStateStore(h.redisConn);
  let last = (await store.load()).evaluatedAt;
  const t0 = Date.now();
  for (let seen = 0; seen < n;) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`only ${seen} of ${n} alert rounds in ${timeoutMs} ms`);
    await sleep(20);
    const at = (await store.load()).evaluatedAt;
    if (at !== last) {
      seen++;
      last = at;
    }
  }
}

export interface ReceivedMail {
  subject: string;
  source: string;
}

/** Every message in the owner's INBOX, over IMAP (the login drains the sealed spool). */
export async function ownerInbox(h: ControlHarness, user = OWNER): Promise<ReceivedMail[]> {
  const c = new ImapFlow({
    host: '127.0.0.1',
    port: h.port('imap', 'implicit'),
    secure: true,
    tls: { rejectUnauthorized: false },
    auth: { user, pass: PASSWORD },
    logger: false,
  });
  await c.connect();
  const out: ReceivedMail[] = [];
  const lock = await c.getMailboxLock('INBOX');
  try {
    const exists = c.mailbox ? c.mailbox.exists : 0;
    if (exists)
      for await (const m of c.fetch('1:*', { envelope: true, source: true }))
        out.push({ subject: m.envelope?.subject ?? '', source: m.source?.toString('utf8') ?? '' });
  } finally {
    lock.release();
    await c.logout();
  }
  return out;
}

/** Polls the INBOX until it holds `count` messages (or fails with what it holds). */
export async function waitForInbox(h: ControlHarness, count: number, timeoutMs = 10_000) {
  const t0 = Date.now();
  for (;;) {
    const mail = await ownerInbox(h);
    if (mail.length >= count) return mail;
    if (Date.now() - t0 > timeoutMs)
      throw new Error(`INBOX holds ${mail.length} of ${count}: ${mail.map((m) => m.subject).join(' | ')}`);
    await sleep(50);
  }
}
