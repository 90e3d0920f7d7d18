// The jobs role: periodic work that belongs to no protocol. Today: one metrics sampling round
// every intervalMs (collector.ts) stored with downsampling (metrics-store.ts), pruning of old
// buckets, and an hourly sweep of outbound-queue temp files left by crashed writers.
// Rounds never overlap: the next one is scheduled when the previous one has finished.
import type { Logger } from '../log/logger.ts';
import { collectSamples, type CollectorDeps } from '../metrics/collector.ts';
import type { MetricsStore } from '../metrics/metrics-store.ts';
import type { OutboundQueue } from '../queue/outbound-queue.ts';
import { startRounds } from './periodic-rounds.ts';

export interface JobsDeps extends CollectorDeps {
  store: MetricsStore;
  outbound: OutboundQueue;
  log: Logger;
}

export interface JobsOptions {
  intervalMs: number;
  /** Default 1 h. */
  queueSweepMs?: number;
}

export interface RunningJobs {
  readonly addresses: ReadonlyArray<{ address: string; port: number }>;
  /** Resolves after the next completed sampling round (tests). */
  nextRound(): Promise<void>;
  readonly rounds: number;
  close(): Promise<void>;
}

export async function startJobs(deps: JobsDeps, opts: JobsOptions): Promise<RunningJobs> {
  const log = deps.log;
  let lastSweep = 0;
  const sweepMs = opts.queueSweepMs ?? 3_600_000;

  const loop = startRounds(async (): Promise<void> => {
    const now = Date.now();
    try {
      deps.store.record(now, await collectSamples(deps, now));
      deps.store.prune(now);
    } catch (err) {
      log.warn('jobs.metrics_failed', { err });
    }
    if (now - lastSweep >= sweepMs) {
      lastSweep = now;
      const removed = await deps.outbound.sweepTemp().catch(() => 0);
      if (removed) log.info('jobs.queue_temp_swept', { removed });
    }
  }, opts.intervalMs);
  log.info('jobs.started', { intervalMs: opts.intervalMs });

  return {
    addresses: [],
    get rounds() {
      return loop.rounds;
    },
    nextRound: () => loop.nextRound(),
    async close() {
      await loop.close();
      deps.store.close();
    },
  };
}
