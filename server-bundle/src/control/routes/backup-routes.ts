// Backups (src/backup; run by the shared runner, src/jobs/backup-runner.ts):
//   GET  /v1/backups/settings          { settings: Settings | null, keySet, status }   (no secret, ever)
//   PUT  /v1/backups/settings {enabled?, target, schedule, retention?, verify?, key?}   { settings, created }
//        enabled false stops the schedule (and the "missed" alert); backups made stay listed and
//        restorable. Left out: as saved (on the first time).
//        key (the repository password) is required the first time; a key that does not open the
//        repository at the target is refused (403 WRONG_KEY). SFTP privateKey / S3 secretAccessKey
//        may be left out to keep the saved ones.
//   GET  /v1/backups                   { snapshots: SnapshotSummary[], status }   (listed while off too)
//   GET  /v1/backups/:id               { snapshotId, manifest }
//   POST /v1/backups/run               202 { runId }   (409 BUSY while one runs)
//   GET  /v1/backups/runs/:runId       { runId, trigger, state, progress, result, error, startedAt, finishedAt }
//   POST /v1/mailboxes/:mailbox/verify {key: hex K}   { messages, events, contacts, integrity }
// status = { enabled, state: never|ok|failed|running, lastRunAt?, lastSuccessAt?, error?, nextRunAt?, runId? }
// (no nextRunAt while off).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readBackupStatus } from '../../alerts/backup-status.ts';
import { verifyMailbox } from '../../backup/backup-service.ts';
import { DEFAULT_RETENTION, type BackupSettings, type BackupTarget } from '../../backup/backup-types.ts';
import { mailboxKemKey } from '../../crypto/mailbox-keys.ts';
import type { Backups } from '../../jobs/backup-wiring.ts';
import type { BackupRunView } from '../../jobs/backup-runner.ts';
import { nextDueAt } from '../../jobs/backup-schedule.ts';
import { ApiError, invalid, notFound } from '../api-error.ts';
import type { ControlDeps } from '../control-deps.ts';
import type { Router } from '../router.ts';
import { bool, int, object, oneOf, optional, parseBody, str, type Check } from '../validate.ts';
import { mailboxByRef } from './mailbox-routes.ts';

const absolutePath = str({ max: 1024, pattern: /^\/[^\0]*$/, what: 'an absolute path' });
const secretText = str({ max: 16_384 });
const targetSchemas = {
  local: object({ kind: oneOf('local'), path: optional(absolutePath) }),
  sftp: object({
    kind: oneOf('sftp'),
    host: str({ max: 253, pattern: /^[A-Za-z0-9.:[\]-]+$/, what: 'a host name or an IP address' }),
    port: optional(int({ min: 1, max: 65_535 })),
    user: str({ max: 64, pattern: /^[A-Za-z0-9._-]+$/, what: 'a user name' }),
    path: absolutePath,
    privateKey: optional(secretText),
    knownHosts: optional(secretText),
  }),
  s3: object({
    kind: oneOf('s3'),
    endpoint: str({ max: 2048, pattern: /^https?:\/\/[^\s/]+/, what: 'an http(s) URL' }),
    bucket: str({ min: 3, max: 63, pattern: /^[a-z0-9][a-z0-9.-]+$/, what: 'a bucket name' }),
    prefix: optional(str({ min: 0, max: 512, pattern: /^[^\0]*$/ })),
    region: optional(str({ min: 0, max: 64 })),
    accessKeyId: str({ max: 256 }),
    secretAccessKey: optional(str({ max: 512 })),
    /** PEM of the CA of a self-hosted storage; omitted on update keeps the saved one. */
    caCert: optional(str({ max: 65_536, pattern: /BEGIN CERTIFICATE/, what: 'a PEM certificate' })),
  }),
};
type TargetInput =
  | ReturnType<(typeof targetSchemas)['local']>
  | ReturnType<(typeof targetSchemas)['sftp']>
  | ReturnType<(typeof targetSchemas)['s3']>;

const target: Check<TargetInput> = (v, path) => {
  const kind = (v as { kind?: unknown } | null)?.kind;
  if (kind !== 'local' && kind !== 'sftp' && kind !== 's3')
    throw invalid(`${path}.kind must be one of local, sftp, s3`);
  return targetSchemas[kind](v, path);
};

const schedule: Check<BackupSettings['schedule']> = (v, path) => {
  if (typeof v === 'object' && v !== null && 'dailyAt' in v)
    return object({
      dailyAt: str({ max: 5, pattern: /^([01]\d|2[0-3]):[0-5]\d$/, what: 'a time HH:MM' }),
    })(v, path);
  return object({ everyMs: int({ min: 1_000, max: 366 * 86_400_000 }) })(v, path);
};

const putSettings = object({
  enabled: optional(bool),
  target,
  schedule,
  retention: optional(
    object({
      last: optional(int({ min: 0, max: 1000 })),
      daily: int({ min: 0, max: 366 }),
      weekly: int({ min: 0, max: 520 }),
      monthly: int({ min: 0, max: 240 }),
    }),
  ),
  verify: optional(
    object({ readDataSubset: optional(str({ min: 0, max: 32, pattern: /^[0-9./%a-zA-Z]*$/ })) }),
  ),
  key: optional(str({ min: 16, max: 1024 })),
});

const verifyBody = object({
  key: str({ min: 64, max: 64, pattern: /^[0-9a-fA-F]+$/, what: '64 hex digits' }),
});

/** The saved secret of the same kind of target, when the request leaves it out. */
function withSavedSecrets(input: TargetInput, saved: BackupTarget | undefined): BackupTarget {
  switch (input.kind) {
    case 'local':
      return { kind: 'local', path: input.path ?? '/var/lib/facteur-backups/restic' };
    case 'sftp': {
      const old = saved?.kind === 'sftp' ? saved : undefined;
      const privateKey = input.privateKey ?? old?.privateKey;
      const knownHosts = input.knownHosts ?? old?.knownHosts;
      if (!privateKey) throw invalid('target.privateKey is required');
      if (!knownHosts) throw invalid('target.knownHosts is required');
      return {
        kind: 'sftp',
        host: input.host,
        port: input.port ?? 22,
        user: input.user,
        path: input.path,
        privateKey,
        knownHosts,
      };
    }
    case 's3': {
      const old = saved?.kind === 's3' ? saved : undefined;
      const secretAccessKey = input.secretAccessKey ?? old?.secretAccessKey;
      if (!secretAccessKey) throw invalid('target.secretAccessKey is required');
      return {
        kind: 's3',
        endpoint: input.endpoint,
        bucket: input.bucket,
        prefix: input.prefix ?? '',
        region: input.region || 'us-east-1',
        accessKeyId: input.accessKeyId,
        secretAccessKey,
        ...((input.caCert ?? old?.caCert) ? { caCert: input.caCert ?? old?.caCert } : {}),
      };
    }
  }
}

/** Settings as shown: secrets replaced by whether they are set. */
function settingsView(s: BackupSettings) {
  const t = s.target;
  const view =
    t.kind === 'local'
      ? { kind: t.kind, path: t.path }
      : t.kind === 'sftp'
        ? {
            kind: t.kind,
            host: t.host,
            port: t.port,
            user: t.user,
            path: t.path,
            privateKeySet: Boolean(t.privateKey),
            knownHostsSet: Boolean(t.knownHosts),
          }
        : {
            kind: t.kind,
            endpoint: t.endpoint,
            bucket: t.bucket,
            prefix: t.prefix,
            region: t.region,
            accessKeyId: t.accessKeyId,
            secretAccessKeySet: Boolean(t.secretAccessKey),
          };
  return {
    enabled: s.enabled,
    target: view,
    schedule: s.schedule,
    retention: s.retention,
    verify: s.verify,
  };
}

function runView(r: BackupRunView) {
  return {
    runId: r.id,
    trigger: r.trigger,
    state: r.status,
    progress: { phase: r.phase, percent: r.percent, bytesDone: r.bytesDone, bytesTotal: r.bytesTotal },
    result: r.snapshot,
    error: r.error,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
  };
}

async function statusView(b: Backups, settings: BackupSettings | undefined, now = Date.now()) {
  const [last, running] = await Promise.all([readBackupStatus(b.service.opts.dataDir), b.runner.current()]);
  const lastRun = last ? Date.parse(last.at) : undefined;
  const next = settings?.enabled ? Math.max(now, nextDueAt(settings.schedule, lastRun, now)) : undefined;
  return {
    enabled: settings?.enabled ?? false,
    state: running ? 'running' : !last ? 'never' : last.ok ? 'ok' : 'failed',
    ...(last ? { lastRunAt: last.at } : {}),
    ...(last?.lastSuccessAt ? { lastSuccessAt: last.lastSuccessAt } : {}),
    ...(last && !last.ok && last.message ? { error: last.message } : {}),
    ...(next !== undefined ? { nextRunAt: new Date(next).toISOString() } : {}),
    ...(running ? { runId: running.id } : {}),
  };
}

export function registerBackupRoutes(router: Router, deps: ControlDeps): void {
  const backups = (): Backups => {
    if (!deps.backups) throw new ApiError(501, 'NOT_AVAILABLE', 'backups are not managed by this server');
    return deps.backups;
  };
  const keySet = (b: Backups) => existsSync(join(b.service.opts.dataDir, 'backup-key'));

  router.get('/v1/backups/settings', async () => {
    const b = backups();
    const settings = await b.service.readSettings();
    return {
      body: {
        settings: settings ? settingsView(settings) : null,
        keySet: keySet(b),
        status: await statusView(b, settings),
      },
    };
  });

  router.put('/v1/backups/settings', async ({ body }) => {
    const b = backups();
    const input = parseBody(putSettings, body);
    const saved = await b.service.readSettings();
    if (!input.key && !keySet(b))
      throw invalid('key is required the first time backups are set up (the repository password)');
    const settings: BackupSettings = {
      enabled: input.enabled ?? saved?.enabled ?? true,
      target: withSavedSecrets(input.target, saved?.target),
      schedule: input.schedule,
      retention: input.retention
        ? { ...input.retention, last: input.retention.last ?? DEFAULT_RETENTION.last }
        : (saved?.retention ?? DEFAULT_RETENTION),
      verify: input.verify ?? saved?.verify ?? {},
    };
    const { created } = await b.service.writeSettings(settings, input.key);
    deps.log.info('control.backup_settings_changed', {
      enabled: settings.enabled,
      target: settings.target.kind,
      created,
    });
    return { body: { settings: settingsView(settings), created } };
  });

  router.get('/v1/backups', async () => {
    const b = backups();
    const settings = await b.service.readSettings();
    const snapshots = settings ? await b.service.list() : [];
    return { body: { snapshots, status: await statusView(b, settings) } };
  });

  router.post(
    '/v1/backups/run',
    async ({ body }) => {
      if (body !== undefined && (typeof body !== 'object' || body === null || Object.keys(body).length))
        throw invalid('the body must be empty or {}');
      const b = backups();
      if (!(await b.service.readSettings()))
        throw new ApiError(409, 'NOT_CONFIGURED', 'backups are not set up on this server yet');
      const { runId } = await b.runner.start('manual');
      return { status: 202, body: { runId } };
    },
    'optional',
  );

  router.get('/v1/backups/runs/:runId', async ({ params }) => {
    const run = await backups().runner.get(params.runId!);
    if (!run) throw notFound('backup run');
    return { body: runView(run) };
  });

  router.get('/v1/backups/:id', async ({ params }) => {
    const id = params.id!;
    if (!/^[0-9a-f]{8,64}$/.test(id)) throw invalid('the backup id must be 8 to 64 hex digits');
    return { body: { snapshotId: id, manifest: await backups().service.contents(id) } };
  });

  // K opens the mailbox for this count only: checked against the mailbox's public key first (a
  // wrong key is told apart from a damaged file), zeroed after, never logged nor stored.
  router.post('/v1/mailboxes/:mailbox/verify', async ({ params, body }) => {
    const b = backups();
    const m = mailboxByRef(deps.core, params.mailbox!);
    const key = Buffer.from(parseBody(verifyBody, body).key, 'hex');
    try {
      const kem = mailboxKemKey(key);
      if (!kem.publicKey.bytes.equals(m.publicKey))
        throw new ApiError(403, 'WRONG_KEY', 'this key does not open that mailbox');
      return { body: await verifyMailbox(b.service.opts.dataDir, m.address, key) };
    } finally {
      key.fill(0);
    }
  });
}
