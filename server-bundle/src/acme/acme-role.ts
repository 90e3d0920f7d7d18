// Certificates in a role process (the jobs role): a CertificateManager built from the config,
// installing into this process's TlsProvider (the others pick server.pem up through watch()).
import { readFile } from 'node:fs/promises';
import type { RoleContext } from '../run/role-context.ts';
import type { ServerConfig } from '../run/server-config.ts';
import { AcmeStore } from './acme-store.ts';
import { CertificateManager } from './certificate-manager.ts';
import { certificateNames } from './certificate-names.ts';
import { certificateStatus } from './certificate-status.ts';
import { challengeDirOf, FileChallengeStore } from './challenge-store.ts';

export function namesFromConfig(config: ServerConfig, domains: readonly string[]): string[] {
  return certificateNames({
    hostNames: [config.hostname],
    domains,
    domainPrefixes: config.acme.domainPrefixes,
    extraNames: config.acme.extraNames,
  });
}

export async function createCertificateManager(
  ctx: Pick<RoleContext, 'config' | 'core' | 'tls' | 'log'>,
): Promise<CertificateManager> {
  const { config } = ctx;
  const a = config.acme;
  let caPem: string | undefined;
  if (a.caCertFile) {
    try {
      caPem = await readFile(a.caCertFile, 'utf8');
    } catch (err) {
      throw new Error(`acme.caCertFile ${a.caCertFile} cannot be read: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
  return new CertificateManager({
    store: new AcmeStore(config.dataDir),
    challenges: new FileChallengeStore(challengeDirOf(config.dataDir)),
    tls: ctx.tls,
    names: () =>
      namesFromConfig(
        config,
        ctx.core.config.listDomains().map((d) => d.name),
      ),
    ca: {
      directoryUrl: a.directoryUrl,
      caPem,
      email: a.email,
      pollMinMs: a.pollMinMs,
      pollMaxMs: a.pollMaxMs,
    },
    renewBeforeDays: a.renewBeforeDays,
    checkIntervalMs: a.checkIntervalMs,
    requestPollMs: a.requestPollMs,
    retryAfterFailureMs: a.retryAfterFailureMs,
    log: ctx.log.child({ part: 'acme' }),
  });
}

/** Starts the schedule; the handle closes it (what roles.ts adds to the jobs role). */
export async function startCertificateRenewal(ctx: Pick<RoleContext, 'config' | 'core' | 'tls' | 'log'>) {
  const manager = await createCertificateManager(ctx);
  manager.start();
  return { manager, addresses: [] as Array<{ address: string; port: number }>, close: () => manager.close() };
}

/** What GET /v1/certificate shows: the certificate every role presents and the ACME state. */
export async function readCertificateStatus(
  config: ServerConfig,
  tls: Pick<RoleContext['tls'], 'material' | 'reloadIfChanged'>,
) {
  await tls.reloadIfChanged();
  return certificateStatus(tls.material, await new AcmeStore(config.dataDir).status(), {
    renewBeforeDays: config.acme.renewBeforeDays,
  });
}

/** What POST /v1/certificate/request does: the jobs role picks it up within acme.requestPollMs. */
export async function requestCertificate(config: ServerConfig, opts: { force?: boolean } = {}) {
  const store = new AcmeStore(config.dataDir);
  const req = await store.request(opts);
  await store.updateStatus({ wanted: true });
  return req;
}
