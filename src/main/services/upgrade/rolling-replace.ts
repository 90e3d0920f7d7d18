/**
 * Replaces the stack's containers with the new image one at a time, each waited on with its
 * health check, and undoes it all when one does not become healthy.
 *
 * Order: Redis, then administration, the authenticated protocols, and the internet-facing edge
 * last, so the MX (port 25) is down only for its own swap, once everything behind it runs the new
 * version — and not at all when an earlier role fails. A replaced container is renamed aside
 * (`<name>-previous`) and stopped, never removed, until the whole upgrade is healthy: a rollback
 * starts the very same containers again (same image id, whatever tags moved), with nothing to
 * recreate or download.
 */
import type { ContainerState, DockerClient } from '../docker/docker-client';
import type { ContainerPlan } from '../stack/container-options';
import type { StackDeployer } from '../stack/stack-deployer';
import { SERVICE_LABEL, SPEC_HASH_LABEL, type ServiceSpec } from '../stack/stack-spec';

export const PREVIOUS_SUFFIX = '-previous';

export type ReplaceProgress =
  | { kind: 'replacing'; service: string }
  | { kind: 'kept'; service: string }
  | { kind: 'healthy'; service: string; seconds: number }
  | { kind: 'rollback'; service: string; state: 'stopped' | 'restored' | 'healthy' };

/** Redis first, control/jobs next, the MX's container last; the rest in between, in spec order. */
export function replaceOrder(plans: ContainerPlan[]): ContainerPlan[] {
  const rank = (s: ServiceSpec): number =>
    s.roles.includes('redis') ? 0 : s.roles.includes('control') ? 1 : s.roles.includes('mx') ? 3 : 2;
  return plans
    .map((p, i) => ({ p, i }))
    .sort((a, b) => rank(a.p.service) - rank(b.p.service) || a.i - b.i)
    .map((x) => x.p);
}

interface Swap {
  plan: ContainerPlan;
  /** The previous container's name while it is set aside (none: the service is new). */
  aside?: string;
}

export class RollingReplace {
  private readonly swaps: Swap[] = [];

  constructor(
    private readonly docker: DockerClient,
    /** Supplies the health wait of the new containers (its healthTimeoutMs is the upgrade's). */
    private readonly deployer: StackDeployer,
    /** The health wait of a rollback (the stack's usual start timeout: the old version is known good). */
    private readonly rollbackDeployer: StackDeployer,
    private readonly targetImageId: string,
    private readonly onProgress: (p: ReplaceProgress) => void = () => undefined,
  ) {}

  /** Replaces every container in replaceOrder; throws the first health failure (nothing undone yet). */
  async replaceAll(plans: ContainerPlan[]): Promise<Array<{ service: string; seconds: number }>> {
    const done: Array<{ service: string; seconds: number }> = [];
    for (const plan of replaceOrder(plans)) {
      const seconds = await this.replaceOne(plan);
      if (seconds !== undefined) done.push({ service: plan.service.name, seconds });
    }
    return done;
  }

  private isCurrent(state: ContainerState, plan: ContainerPlan): boolean {
    return (
      state.imageId === this.targetImageId &&
      state.labels[SPEC_HASH_LABEL] === plan.specHash &&
      state.labels[SERVICE_LABEL] === plan.service.name
    );
  }

  private async replaceOne(plan: ContainerPlan): Promise<number | undefined> {
    const current = await this.docker.inspectContainer(plan.name);
    if (current && this.isCurrent(current, plan)) {
      await this.docker.startContainer(plan.name);
      this.onProgress({ kind: 'kept', service: plan.service.name });
      return undefined;
    }
    this.onProgress({ kind: 'replacing', service: plan.service.name });
    const t0 = Date.now();
    const aside = `${plan.name}${PREVIOUS_SUFFIX}`;
    // A container set aside by an older, interrupted attempt is older than the current one.
    await this.docker.removeContainer(aside, { force: true });
    if (current) await this.docker.renameContainer(plan.name, aside);
    this.swaps.push({ plan, ...(current ? { aside } : {}) });
    await this.docker.createContainer(plan.name, plan.body);
    // Open sessions get the stop timeout to finish; the new process can only bind once it is gone.
    if (current) await this.docker.stopContainer(aside, plan.service.stopTimeoutS);
    await this.docker.startContainer(plan.name);
    await this.deployer.waitHealthy(plan.service);
    const seconds = (Date.now() - t0) / 1000;
    this.onProgress({ kind: 'healthy', service: plan.service.name, seconds });
    return seconds;
  }

  /** After a healthy upgrade: the previous containers go (their image stays on the server). */
  async commit(): Promise<void> {
    for (const swap of this.swaps) {
      if (swap.aside) await this.docker.removeContainer(swap.aside, { force: true });
    }
  }

  /**
   * Undoes the upgrade: stops every role container (the new ones and those never replaced, so no
   * process holds the configuration open), lets `restoreConfig` put the copy back, renames the
   * previous containers into place, starts Redis, then the rest, and waits for each to be healthy.
   */
  async rollBack(plans: ContainerPlan[], restoreConfig: () => Promise<void>): Promise<void> {
    const ordered = replaceOrder(plans);
    for (const plan of [...ordered].reverse()) {
      const swap = this.swaps.find((s) => s.plan.name === plan.name);
      if (swap) {
        await this.docker.stopContainer(plan.name, plan.service.stopTimeoutS);
        await this.docker.removeContainer(plan.name, { force: true });
      } else if (!plan.service.roles.includes('redis')) {
        await this.docker.stopContainer(plan.name, plan.service.stopTimeoutS);
      }
      this.onProgress({ kind: 'rollback', service: plan.service.name, state: 'stopped' });
    }
    await restoreConfig();
    for (const swap of this.swaps) {
      if (swap.aside) await this.docker.renameContainer(swap.aside, swap.plan.name);
    }
    for (const plan of ordered) {
      if (!(await this.docker.inspectContainer(plan.name))) continue;
      await this.docker.startContainer(plan.name);
      this.onProgress({ kind: 'rollback', service: plan.service.name, state: 'restored' });
      if (plan.service.roles.includes('redis')) await this.rollbackDeployer.waitHealthy(plan.service);
    }
    for (const plan of ordered) {
      if (plan.service.roles.includes('redis')) continue;
      if (!(await this.docker.inspectContainer(plan.name))) continue;
      await this.rollbackDeployer.waitHealthy(plan.service);
      this.onProgress({ kind: 'rollback', service: plan.service.name, state: 'healthy' });
    }
    this.swaps.length = 0;
  }
}
