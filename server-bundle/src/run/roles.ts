// What each role starts, given an opened context. Ports come from the config (plus its offset).
import { startCertificateRenewal } from '../acme/acme-role.ts';
import { startControlRole } from '../control/control-role.ts';
import { startJobsRole } from '../jobs/jobs-role-start.ts';
import { startImap } from '../protocols/imap/start-imap.ts';
import type { RoleHandle } from '../protocols/listeners.ts';
import { RedisMaildropLock } from '../protocols/pop3/maildrop-lock.ts';
import { startPop3 } from '../protocols/pop3/start-pop3.ts';
import { startMx, startSubmission } from '../protocols/smtp/index.ts';
import type { RoleContext } from './role-context.ts';
import { startWebRole } from '../web/web-role.ts';
import { startOutboundRole } from '../outbound/start-outbound.ts';
import { mxExtras, submissionLimits } from '../inbound/role-wiring.ts';
import { portOf, type RoleName } from './server-config.ts';

export interface RunningRole {
  addresses: ReadonlyArray<{ address: string; port: number }>;
  close(): Promise<void>;
}

type Starter = (ctx: RoleContext) => Promise<RunningRole | RoleHandle>;

export const roleStarters: Record<RoleName, Starter> = {
  mx: async (ctx) =>
    startMx(
      { core: ctx.core, throttle: ctx.throttle, tls: ctx.tls, outbound: ctx.outbound, notifier: ctx.events, log: ctx.log, counters: ctx.counters, ...(await mxExtras(ctx)) },
      { hostname: ctx.config.hostname, hosts: ctx.config.listen, port: portOf(ctx.config, 'mx'), maxMessageBytes: ctx.config.maxMessageBytes },
    ),
  submission: (ctx) =>
    startSubmission(
      {
        core: ctx.core,
        throttle: ctx.throttle,
        tls: ctx.tls,
        outbound: ctx.outbound,
        notifier: ctx.events,
        log: ctx.log,
        counters: ctx.counters,
        sendingLimits: submissionLimits(ctx),
      },
      {
        hostname: ctx.config.hostname,
        hosts: ctx.config.listen,
        port: portOf(ctx.config, 'submission'),
        tlsPort: portOf(ctx.config, 'submissions'),
        maxMessageBytes: ctx.config.maxMessageBytes,
      },
    ),
  imap: (ctx) =>
    startImap(
      { core: ctx.core, throttle: ctx.throttle, tls: ctx.tls, events: ctx.events, log: ctx.log },
      {
        listeners: ctx.config.listen.flatMap((host) => [
          { host, port: portOf(ctx.config, 'imaps'), tls: 'implicit' as const },
          { host, port: portOf(ctx.config, 'imap'), tls: 'starttls' as const },
        ]),
        maxMessageBytes: ctx.config.maxMessageBytes,
        pollIntervalMs: ctx.config.imap.pollIntervalMs,
        idleTimeoutMs: ctx.config.imap.idleTimeoutMs,
        serverName: ctx.config.hostname,
      },
    ),
  pop3: (ctx) =>
    startPop3(
      { core: ctx.core, throttle: ctx.throttle, tls: ctx.tls, events: ctx.events, lock: new RedisMaildropLock(ctx.redis), log: ctx.log },
      {
        listeners: ctx.config.listen.flatMap((host) => [
          { host, port: portOf(ctx.config, 'pop3s'), tls: 'implicit' as const },
          { host, port: portOf(ctx.config, 'pop3'), tls: 'starttls' as const },
        ]),
      },
    ),
  control: startControlRole,
  // The jobs role also keeps the certificate (ACME): issuance, renewal, requests from the control API.
  jobs: async (ctx) => {
    const jobs = await startJobsRole(ctx);
    const certificates = await startCertificateRenewal(ctx).catch(async (err: unknown) => {
      await jobs.close();
      throw err;
    });
    return {
      addresses: jobs.addresses,
      async close() {
        await certificates.close();
        await jobs.close();
      },
    };
  },
  web: startWebRole,
  outbound: startOutboundRole,
};
