// Builds the internet-mail additions the MX and submission roles take from their role context:
// inbound checks + SRS reverse (MX), per-user sending limits (submission).
import { join } from 'node:path';
import { DnsResolver } from '../net/dns-resolver.ts';
import { Srs } from '../outbound/srs.ts';
import { srsReverse, type SrsReverse } from '../outbound/srs-recipients.ts';
import type { RoleContext } from '../run/role-context.ts';
import { PolicyRefusal } from '../security/policy-refusal.ts';
import { loadOrCreateServerSecrets } from '../storage/server-secrets.ts';
import { AbuseLimits } from './abuse-limits.ts';
import type { InboundChecks } from './inbound-checks.ts';
import { SpamPreferences } from './spam-prefs.ts';

export async function mxExtras(ctx: RoleContext): Promise<{ inbound: InboundChecks; srs: SrsReverse }> {
  const { config } = ctx;
  const secrets = await loadOrCreateServerSecrets(join(config.dataDir, 'secrets.json'));
  const srs = new Srs({
    key: Srs.keyFromSecrets(secrets),
    domain: config.outbound.srs.domain || config.hostname,
    maxAgeDays: config.outbound.srs.maxAgeDays,
  });
  // Imported here, not at the top: the checks pull in mailauth (~12 MB of heap), which the
  // submission role's process (it uses submissionLimits below) does not need.
  const { InboundChecks } = await import('./inbound-checks.ts');
  const inbound = new InboundChecks(
    {
      resolver: new DnsResolver(config.dns),
      limits: new AbuseLimits(ctx.redis, ctx.log),
      prefs: new SpamPreferences(ctx.core.config),
      log: ctx.log.child({ part: 'inbound' }),
      ourNames: () => [config.hostname.toLowerCase(), ...ctx.core.config.listDomains().map((d) => d.name)],
      ourAddresses: config.listen.filter((a) => a !== '::' && a !== '0.0.0.0' && a !== ''),
    },
    { ...config.inbound, authservId: config.hostname },
  );
  return { inbound, srs: srsReverse(srs) };
}

export function submissionLimits(ctx: RoleContext): { check(mailboxId: string): Promise<void> } {
  const limits = new AbuseLimits(ctx.redis, ctx.log);
  const l = ctx.config.outbound.limits;
  return {
    async check(mailboxId) {
      const r = await limits.userMessage(mailboxId, l.messagesPerHour, l.messagesPerDay);
      if (r === 'hour') throw new PolicyRefusal('SENDING_LIMIT', `${l.messagesPerHour} messages per hour`);
      if (r === 'day') throw new PolicyRefusal('SENDING_LIMIT', `${l.messagesPerDay} messages per day`);
    },
  };
}
