/**
 * Follows a backup run on the server (POST /v1/backups/run, then GET /v1/backups/runs/:id every
 * `pollMs`) and turns its phases into the contract's progress events.
 */
import { FacteurError } from '../../../shared/errors';
import type { BackupApi, WireSnapshot } from './backup-api';
import { translate } from './backup-api';
import { ControlApiError } from '../control/control-client';
import type { Report } from './backup-service';

export async function followRun(
  backups: BackupApi,
  report: Report,
  options: { pollMs: number; runTimeoutMs: number },
): Promise<WireSnapshot> {
  report('backup', 0, 100, 'starting');
  const runId = await backups.startRun();
  const deadline = Date.now() + options.runTimeoutMs;
  for (;;) {
    const run = await backups.run(runId);
    if (run.progress) {
      const { percent, phase, bytesDone, bytesTotal } = run.progress;
      report(
        'backup',
        Math.round(percent),
        100,
        phase,
        bytesTotal ? { done: bytesDone, total: bytesTotal } : undefined,
      );
    }
    if (run.state === 'done' && run.result) {
      report('backup', 100, 100, 'done');
      return run.result;
    }
    if (run.state === 'failed') {
      const code = run.error?.code ?? 'FAILED';
      throw translate(
        new ControlApiError(500, code, run.error?.message ?? 'The backup failed on the server.'),
      );
    }
    if (Date.now() > deadline)
      throw new FacteurError(
        'TIMEOUT',
        'The backup is still running on the server; it will finish there. Look at the list again later.',
      );
    await new Promise((r) => setTimeout(r, options.pollMs));
  }
}
