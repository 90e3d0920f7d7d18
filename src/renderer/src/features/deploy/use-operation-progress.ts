import { useEffect, useState } from 'react';
import type { EventPayload } from '../../../../shared/contract';
import { api } from '../../api/client';

export type ProgressEvent = EventPayload<'progress'>;

export interface OperationProgress {
  /** The latest event of each step, in the order the steps began. */
  steps: Map<string, ProgressEvent>;
  /** The step the latest event was about. */
  current?: ProgressEvent;
  /** Bytes per second of the current step, when it counts bytes (from the first event of that step). */
  rate?: number;
}

/** A fresh id for a long operation; its progress events carry it back. */
export function newOperationId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `op-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

const empty: OperationProgress = { steps: new Map() };

/** Follows the `progress` events of one operation; a new id starts from nothing. */
export function useOperationProgress(operationId: string | undefined): OperationProgress {
  const [progress, setProgress] = useState<OperationProgress & { id?: string }>(empty);

  useEffect(() => {
    if (!operationId) return;
    const started = new Map<string, { at: number; done: number }>();
    return api.on('progress', (event) => {
      if (event.operationId !== operationId) return;
      const now = performance.now();
      const first = started.get(event.step) ?? { at: now, done: event.done };
      started.set(event.step, first);
      const seconds = (now - first.at) / 1000;
      const rate = seconds > 0.5 ? (event.done - first.done) / seconds : undefined;
      setProgress((prev) => {
        const steps = new Map(prev.id === operationId ? prev.steps : []);
        steps.set(event.step, event);
        return { id: operationId, steps, current: event, rate };
      });
    });
  }, [operationId]);

  return progress.id === operationId ? progress : empty;
}
