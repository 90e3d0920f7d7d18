// What each role starts, given an opened context. Ports come from the config (plus its offset).
import type { RoleHandle } from '../protocols/listeners.ts';
import type { RoleContext } from './role-context.ts';
import { portOf, type RoleName } from './server-config.ts';

// Each role's code is imported when the role starts, not before: a process loads only what its
// own roles use (the server image runs several role processes, and every module loaded costs
// memory in each of them — see the desktop's services/stack/stack-spec.ts).
const smtp = () => import('../protocols/smtp/index.ts');
const wiring = () => import('../inbound/role-wiring.ts');

export interface RunningRole {
  addresses: ReadonlyArray<{ address: string; port: number }>;
  close(): Promise<void>;
}

type Starter = (ctx: RoleContext) => Promise<RunningRole | RoleHandle>;

export const roleStarters: Record<RoleName, Starter> = {
  mx: async (ctx) =>
    (await smtp()).startMx(
      {
        core: ctx.core,
        throttle: ctx.throttle,
        tls: ctx.tls,
        outbound: ctx.outbound,
        notifier: ctx.events,
        log: ctx.log,
        counters: ctx.counters,
        ...(await (await wiring()).mxExtras(ctx)),
      },
      {
        hostname: ctx.config.hostname,
        hosts: ctx.config.listen,
        port: portOf(ctx.config, 'mx'),
        maxMessageBytes: ctx.config.maxMessageBytes,
      },
    ),
  submission: async (ctx) =>
    (await smtp()).startSubmission(
      {
        core: ctx.core,
        throttle: ctx.throttle,
        tls: ctx.tls,
        outbound: ctx.outbound,
        notifier: ctx.events,
        log: ctx.log,
        counters: ctx.counters,
        sendingLimits: (await wiring()).submissionLimits(ctx),
      },
      {
        hostname: ctx.config.hostname,
        hosts: ctx.config.listen,
        port: portOf(ctx.config, 'submission'),
        tlsPort: portOf(ctx.config, 'submissions'),
        maxMessageBytes: ctx.config.maxMessageBytes,
      },
    ),
  imap: async (ctx) =>
    (await import('../protocols/imap/start-imap.ts')).startImap(
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
  pop3: async (ctx) =>
    (await import('../protocols/pop3/start-pop3.ts')).startPop3(
      {
        core: ctx.core,
        throttle: ctx.throttle,
        tls: ctx.tls,
        events: ctx.events,
        lock: new (await import('../protocols/pop3/maildrop-lock.ts')).RedisMaildropLock(ctx.redis),
        log: ctx.log,
      },
      {
        listeners: ctx.config.listen.flatMap((host) => [
          { host, port: portOf(ctx.config, 'pop3s'), tls: 'implicit' as const },
          { host, port: portOf(ctx.config, 'pop3'), tls: 'starttls' as const },
        ]),
      },
    ),
  control: async (ctx) => (await import('../control/control-role.ts')).startControlRole(ctx),
  // The jobs role also keeps the certificate (ACME): issuance, renewal, requests from the control API.
  jobs: async (ctx) => {
    const jobs = await (await import('../jobs/jobs-role-start.ts')).startJobsRole(ctx);
    const { startCertificateRenewal } = await import('../acme/acme-role.ts');
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
  web: async (ctx) => (await import('../web/web-role.ts')).startWebRole(ctx),
  outbound: async (ctx) => (await import('../outbound/start-outbound.ts')).startOutboundRole(ctx),
  // CalDAV/CardDAV on loopback only, reached through the web role's /dav/ proxy (web.davUpstream).
  dav: async (ctx) => {
    const server = await (
      await import('../dav/dav-server.ts')
    ).startDavServer(
      { core: ctx.core, throttle: ctx.throttle, log: ctx.log },
      {
        host: '127.0.0.1',
        port: portOf(ctx.config, 'dav'),
        maxBodyBytes: ctx.config.dav.maxBodyBytes,
        requestTimeoutMs: ctx.config.dav.requestTimeoutMs,
      },
    );
    return { addresses: [server.address], close: () => server.close() };
  },
};
