// The outbound role: delivers the durable queue to other domains (see outbound-worker.ts). No
// listener; it shows it is alive through its heartbeat like the jobs role.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DkimKeyStore } from '../dkim/dkim-keys.ts';
import { DnsResolver } from '../net/dns-resolver.ts';
import type { RoleContext } from '../run/role-context.ts';
import { loadOrCreateServerSecrets } from '../storage/server-secrets.ts';
import { EntryLeases } from '../queue/entry-leases.ts';
import { DeliveryStates } from './delivery-state.ts';
import { DkimSigning } from './dkim-signing.ts';
import { MtaStsPolicies } from './mta-sts-policies.ts';
import { OutboundWorker } from './outbound-worker.ts';
import { RemoteDelivery } from './remote-delivery.ts';
import { SenderNotices } from './sender-notices.ts';
import { Srs } from './srs.ts';

export interface RunningOutbound {
  addresses: Array<{ address: string; port: number }>;
  worker: OutboundWorker;
  close(): Promise<void>;
}

export async function startOutboundRole(ctx: RoleContext): Promise<RunningOutbound> {
  const { config, log } = ctx;
  const o = config.outbound;
  const secrets = await loadOrCreateServerSecrets(join(config.dataDir, 'secrets.json'));
  const resolver = new DnsResolver(config.dns);
  const ca = o.tlsCaFile ? await readFile(o.tlsCaFile, 'utf8') : undefined;
  const smarthostPassword = typeof secrets.smarthostPassword === 'string' ? secrets.smarthostPassword : '';
  const remote = new RemoteDelivery({
    resolver,
    ...(o.mtaSts.enabled && !o.smarthost.host
      ? {
          mtaSts: new MtaStsPolicies({
            resolver,
            httpsPort: o.mtaSts.httpsPort,
            fetchTimeoutMs: o.mtaSts.fetchTimeoutMs,
            log,
            ...(ca ? { ca } : {}),
          }),
        }
      : {}),
    deliveryPort: o.deliveryPort,
    localAddress: o.localAddress,
    heloName: o.heloName || config.hostname,
    connectTimeoutMs: o.connectTimeoutMs,
    commandTimeoutMs: o.commandTimeoutMs,
    idleConnectionMs: o.idleConnectionMs,
    maxMessagesPerConnection: o.maxMessagesPerConnection,
    ...(ca ? { ca } : {}),
    ...(o.smarthost.host
      ? {
          smarthost: {
            host: o.smarthost.host,
            port: o.smarthost.port,
            secure: o.smarthost.secure,
            ...(o.smarthost.username
              ? { auth: { user: o.smarthost.username, pass: smarthostPassword } }
              : {}),
          },
        }
      : {}),
    log,
  });
  const queue = ctx.outbound;
  const worker = new OutboundWorker(
    {
      core: ctx.core,
      queue,
      states: DeliveryStates.fromSecrets(queue.dir, secrets),
      remote,
      dkim: new DkimSigning(new DkimKeyStore(join(config.dataDir, 'dkim')), log),
      srs: new Srs({
        key: Srs.keyFromSecrets(secrets),
        domain: o.srs.domain || config.hostname,
        maxAgeDays: o.srs.maxAgeDays,
      }),
      notices: new SenderNotices({
        core: ctx.core,
        queue,
        notifier: ctx.events,
        reportingMta: config.hostname,
        log,
      }),
      leases: new EntryLeases(ctx.redis, o.lease, log),
      log,
    },
    { concurrency: o.concurrency, scanIntervalMs: o.scanIntervalMs, retry: o.retry },
  );
  await queue.sweepTemp().catch(() => 0);
  worker.start();
  log.info('outbound.started', {
    concurrency: o.concurrency,
    smarthost: o.smarthost.host || null,
    dns: resolver.servers,
  });
  return {
    addresses: [],
    worker,
    close: () => worker.close(),
  };
}
