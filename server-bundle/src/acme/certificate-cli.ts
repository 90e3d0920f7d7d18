// facteur-server certificate request [--force] | status: straight on the data directory, so it
// works whether or not the jobs role (which talks to the CA) is running; it picks a request up
// within acme.requestPollMs.
import { join } from 'node:path';
import { ConfigError, type ServerConfig } from '../run/server-config.ts';
import { TlsProvider } from '../tls/tls-provider.ts';
import { requestCertificate } from './acme-role.ts';
import { AcmeStore } from './acme-store.ts';
import { certificateStatus } from './certificate-status.ts';

export async function runCertificateCommand(
  config: ServerConfig,
  args: string[],
  opts: { force?: boolean },
): Promise<void> {
  const store = new AcmeStore(config.dataDir);
  switch (args[0]) {
    case 'request': {
      const req = await requestCertificate(config, { force: opts.force ?? false });
      process.stdout.write(JSON.stringify({ requested: req }) + '\n');
      return;
    }
    case 'status': {
      const tls = await TlsProvider.loadOrCreate({
        dir: join(config.dataDir, 'tls'),
        hostNames: [config.hostname],
      });
      process.stdout.write(
        JSON.stringify(
          certificateStatus(tls.material, await store.status(), {
            renewBeforeDays: config.acme.renewBeforeDays,
          }),
          null,
          2,
        ) + '\n',
      );
      return;
    }
    default:
      throw new ConfigError('say "certificate request [--force]" or "certificate status"');
  }
}
