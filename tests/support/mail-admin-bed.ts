/**
 * A deployed stack on a test-bed VPS that a fresh Facteur knows (server added over SSH, deployment
 * record in its vault), for the mail administration tests.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createApp } from '../../src/main/app';
import { loadConfig } from '../../src/main/config';
import { createDispatcher, directCaller } from '../../src/main/ipc/dispatcher';
import { writeDeployment } from '../../src/main/services/deploy/deployment-record';
import type { SshConnection } from '../../src/main/services/ssh/ssh-client';
import { FileKeyProvider } from '../../src/main/services/vault/file-key-provider';
import { Vault } from '../../src/main/services/vault/vault';
import { startVps, type VpsInfo } from '../infra/testbed';
import { freshFacteur } from './facteur';
import { cleanStack, connectVps, deployerFor, ensureServerImage } from './server-stack';
import { scanFingerprint } from './ssh';

export interface MailAdminBed {
  vps: VpsInfo;
  conn: SshConnection;
  home: string;
  serverId: string;
  call: ReturnType<typeof freshFacteur>['call'];
}

export async function deployedFacteur(
  n: number,
  mailHost: string,
  env: Record<string, string>,
): Promise<MailAdminBed> {
  const archive = await ensureServerImage();
  const vps = await startVps(n);
  await cleanStack(n);
  const conn = await connectVps(vps);
  const deployed = await deployerFor(conn, archive, {
    issueControlToken: true,
    serverConfig: { hostname: mailHost },
  }).deploy();

  const first = freshFacteur(env);
  const profile = await first.call('addServer', {
    host: vps.host,
    port: vps.port,
    user: vps.user,
    name: `VPS ${n}`,
    auth: { kind: 'privateKey', privateKey: readFileSync(vps.clientKeyPath, 'utf8') },
    confirmedFingerprint: scanFingerprint(vps.host, vps.port),
  });
  const vault = new Vault(join(first.home, 'vault.json'), new FileKeyProvider(join(first.home, 'vault.key')));
  await writeDeployment(vault, profile.id, {
    version: archive.manifest.version,
    imageId: archive.manifest.imageId,
    hostname: mailHost,
    domain: mailHost.slice(mailHost.indexOf('.') + 1),
    controlPort: 8025,
    controlToken: deployed.controlToken!,
    deployedAt: new Date().toISOString(),
  });
  // A new start of the app on the same data directory reads the record.
  const app = createApp({
    config: loadConfig({ FACTEUR_HOME: first.home, ...env }),
    runtime: 'cli',
    version: 'test',
  });
  return {
    vps,
    conn,
    home: first.home,
    serverId: profile.id,
    call: directCaller(createDispatcher(app.handlers)),
  };
}
