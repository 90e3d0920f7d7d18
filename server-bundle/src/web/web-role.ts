// The web role over a role context: ports http/https (+ portOffset) on every listen address, the
// config DB's domains, client settings pointing at the protocol roles' ports.
import { challengeDirOf, FileChallengeStore } from '../acme/challenge-store.ts';
import type { RoleContext } from '../run/role-context.ts';
import { davUpstreamOf, portOf } from '../run/server-config.ts';
import { startWeb, type WebRole } from './start-web.ts';

export function startWebRole(ctx: RoleContext): Promise<WebRole> {
  const { config } = ctx;
  const davUpstream = davUpstreamOf(config);
  return startWeb(
    {
      listDomains: () => ctx.core.config.listDomains().map((d) => d.name),
      tls: ctx.tls,
      challenges: new FileChallengeStore(challengeDirOf(config.dataDir)),
      log: ctx.log,
    },
    {
      listeners: config.listen.flatMap((host) => [
        { host, port: portOf(config, 'http'), scheme: 'http' as const },
        { host, port: portOf(config, 'https'), scheme: 'https' as const },
      ]),
      hostNames: [config.hostname],
      endpoints: {
        host: config.hostname,
        imaps: portOf(config, 'imaps'),
        pop3s: portOf(config, 'pop3s'),
        submissions: portOf(config, 'submissions'),
        submission: portOf(config, 'submission'),
        ...(davUpstream
          ? { davBase: `https://${config.hostname}${config.portOffset ? `:${portOf(config, 'https')}` : ''}` }
          : {}),
      },
      mtaSts: {
        mode: config.mtaSts.mode,
        mx: config.mtaSts.mx.length ? config.mtaSts.mx : [config.hostname],
        maxAgeSeconds: config.mtaSts.maxAgeSeconds,
      },
      httpsPort: portOf(config, 'https'),
      davUpstream,
      maxBodyBytes: config.web.maxBodyBytes,
      davMaxBodyBytes: config.web.davMaxBodyBytes,
      requestTimeoutMs: config.web.requestTimeoutMs,
    },
  );
}
