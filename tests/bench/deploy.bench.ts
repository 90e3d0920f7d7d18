/**
 * Deploy benchmarks, through the app's contract on VPS 8 of the test bed. Prints one JSON object:
 *   deploy_to_healthy_s       deployStack on a server without the image or any data, until every role
 *                             is healthy (the call returns then)
 *   redeploy_bytes_sent       bytes the VPS received on its network link during a deploy of the same
 *                             version again (SSH, commands, Docker API calls: everything)
 *   upgrade_bytes_sent_ratio  bytes received during a deploy onto a server holding the image minus
 *                             its top layer, divided by that layer's size (gzipped, as sent)
 */
import { readFileSync } from 'node:fs';
import { ensureTestbed, runOnVps, startVps } from '../infra/testbed';
import { bytesSentTo, olderImageArchive } from '../support/deploy-helpers';
import { freshFacteur } from '../support/facteur';
import { cleanStack, ensureServerImage, vpsDocker } from '../support/server-stack';
import { scanFingerprint } from '../support/ssh';

const N = 8;

void (async () => {
  await ensureTestbed();
  const vps = await startVps(N);
  const archive = await ensureServerImage();
  const wipe = async (): Promise<void> => {
    await cleanStack(N, { image: true });
    await runOnVps(
      N,
      'docker rmi -f $(docker images -aq) >/dev/null 2>&1 || true; rm -rf /root/.cache/facteur',
    );
  };
  await wipe();
  const { call } = freshFacteur({ FACTEUR_FIREWALL: 'off' });
  const { id: serverId } = await call('addServer', {
    host: vps.host,
    port: vps.port,
    user: 'root',
    auth: { kind: 'privateKey', privateKey: readFileSync(vps.clientKeyPath, 'utf8') },
    confirmedFingerprint: scanFingerprint(vps.host, vps.port),
  });
  let op = 0;
  const deploy = () =>
    call('deployStack', {
      serverId,
      operationId: `bench-${++op}`,
      hostname: 'mail.bench.test',
      domain: 'bench.test',
    });

  const t0 = performance.now();
  await deploy();
  const deployS = (performance.now() - t0) / 1000;

  let before = bytesSentTo(vps);
  await deploy();
  const redeployBytes = bytesSentTo(vps) - before;

  await cleanStack(N, { image: true, data: false });
  await runOnVps(N, 'docker rmi -f $(docker images -aq) >/dev/null 2>&1 || true');
  vpsDocker(vps, ['load', '-q', '-i', await olderImageArchive(archive, 'facteur-server:previous')]);
  before = bytesSentTo(vps);
  await deploy();
  const upgradeBytes = bytesSentTo(vps) - before;
  const topLayer = archive.manifest.layerFiles.at(-1)!.bytes;

  await wipe();
  process.stdout.write(
    JSON.stringify({
      deploy_to_healthy_s: Math.round(deployS * 10) / 10,
      redeploy_bytes_sent: redeployBytes,
      upgrade_bytes_sent_ratio: Math.round((upgradeBytes / topLayer) * 1000) / 1000,
    }) + '\n',
  );
})().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
