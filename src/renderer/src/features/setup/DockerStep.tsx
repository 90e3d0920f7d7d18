import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { PreflightCheck } from '../../../../shared/contract';
import { useInstallDocker } from '../../queries/deploy';
import { ErrorDetails } from '../deploy/ErrorDetails';
import { ProgressBar } from '../deploy/ProgressBar';
import { newOperationId, useOperationProgress } from '../deploy/use-operation-progress';

/** Docker: found by the preflight, or installed by Facteur from the distribution's packages. */
export function DockerStep({
  serverId,
  check,
  onInstalled,
}: {
  serverId: string;
  check: PreflightCheck | undefined;
  onInstalled: () => void;
}) {
  const { t } = useTranslation();
  const install = useInstallDocker();
  const [operationId, setOperationId] = useState<string>();
  const progress = useOperationProgress(operationId);

  if (install.data)
    return (
      <p className="banner success" role="status">
        {t('docker.installed', { version: install.data.version })}
      </p>
    );
  if (check && check.status !== 'fail')
    return (
      <p className="banner success" role="status">
        {t('docker.present', { version: check.value })}
      </p>
    );

  const start = () => {
    const id = newOperationId();
    setOperationId(id);
    install.mutate({ serverId, operationId: id }, { onSuccess: onInstalled });
  };
  const event = progress.current;
  return (
    <div>
      <p>{t('docker.missing')}</p>
      {install.isPending && (
        <div className="operation" aria-live="polite">
          <ProgressBar label={t('docker.progress')} done={event?.done ?? 0} total={event?.total} />
          <p className="muted small">
            {event?.total ? `${Math.round((event.done / event.total) * 100)} % · ` : ''}
            {event?.message ?? t('docker.starting')}
          </p>
        </div>
      )}
      {install.error && <ErrorDetails error={install.error} />}
      <button type="button" className="primary" disabled={install.isPending} onClick={start}>
        {install.isPending ? t('docker.installing') : install.error ? t('common.retry') : t('docker.install')}
      </button>
    </div>
  );
}
