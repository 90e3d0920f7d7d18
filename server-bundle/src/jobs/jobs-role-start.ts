// The jobs role over a role context: metrics sampling into <dataDir>/metrics.db.
import { openMetricsStore } from '../metrics/metrics-store.ts';
import { SystemSampler } from '../metrics/system-sampler.ts';
import type { RoleContext } from '../run/role-context.ts';
import { ROLES } from '../run/server-config.ts';
import { startJobs } from './jobs-role.ts';

export async function startJobsRole(ctx: RoleContext) {
  const { config } = ctx;
  const store = await openMetricsStore(config.dataDir, Object.values(config.metrics.tiers));
  return startJobs(
    {
      store,
      outbound: ctx.outbound,
      log: ctx.log,
      system: new SystemSampler(config.dataDir),
      redis: ctx.redis,
      roles: ROLES,
      heartbeatMs: config.heartbeatMs,
      queueSize: async () => (await ctx.outbound.list()).length,
      certificateNotAfter: () => ctx.tls.info.notAfter,
    },
    { intervalMs: config.metrics.intervalMs },
  );
}
