// The control role: the control API on 127.0.0.1:<ports.control + portOffset>, over the role
// context every role opens (config DB, TLS, Redis, outbound queue).
import { join } from 'node:path';
import { readCertificateStatus, requestCertificate } from '../acme/acme-role.ts';
import { DkimKeyStore } from '../dkim/dkim-keys.ts';
import { logDirOf } from '../log/log-file.ts';
import { openMetricsStore } from '../metrics/metrics-store.ts';
import { backupsFor } from '../jobs/backup-wiring.ts';
import { DeliveryStates } from '../outbound/delivery-state.ts';
import { loadOrCreateServerSecrets } from '../storage/server-secrets.ts';
import type { RoleContext } from '../run/role-context.ts';
import { portOf, ROLES } from '../run/server-config.ts';
import { SERVER_VERSION } from '../version.ts';
import { startControlApi } from './control-api.ts';
import { ControlTokens } from './token-store.ts';

export async function startControlRole(ctx: RoleContext) {
  const { config } = ctx;
  const metrics = await openMetricsStore(config.dataDir, Object.values(config.metrics.tiers));
  // The outbound role keeps each entry's progress beside it (attempts, next try, last error).
  const states = DeliveryStates.fromSecrets(
    ctx.outbound.dir,
    await loadOrCreateServerSecrets(join(config.dataDir, 'secrets.json')),
  );
  try {
    const api = await startControlApi(
      {
        core: ctx.core,
        tokens: new ControlTokens(ctx.core.config),
        certificate: () => ctx.tls.info,
        certificateExtras: async () => {
          const { issuer, serialNumber, acme } = await readCertificateStatus(config, ctx.tls);
          return { issuer, serialNumber, acme };
        },
        requestCertificate: (opts) => requestCertificate(config, opts),
        redis: ctx.redis,
        outbound: ctx.outbound,
        deliveryState: (id) => states.get(id),
        spam: config.inbound.spam,
        metrics,
        metricsPoints: config.metrics.points,
        dkim: new DkimKeyStore(join(config.dataDir, 'dkim')),
        logDir: logDirOf(config.dataDir),
        roles: ROLES,
        heartbeatMs: config.heartbeatMs,
        version: SERVER_VERSION,
        log: ctx.log,
        backups: backupsFor(ctx),
      },
      { port: portOf(config, 'control'), maxBodyBytes: config.control.maxBodyBytes },
    );
    return {
      addresses: [{ address: api.address, port: api.port }],
      async close() {
        await api.close();
        metrics.close();
      },
    };
  } catch (err) {
    metrics.close();
    throw err;
  }
}
