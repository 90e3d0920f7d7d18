import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { describeError } from '../../app/errors';
import { useUpgradeServer } from '../../queries/upgrades';
import { ProgressBar } from '../deploy/ProgressBar';
import { formatDuration } from '../deploy/format';
import { newOperationId, useOperationProgress } from '../deploy/use-operation-progress';

/** "Upgrade" with its progress step by step, then the outcome in plain words (upgraded or rolled back). */
export function UpgradePanel(props: {
  serverId: string;
  available: boolean;
  version: string;
  steps: readonly string[];
}) {
  const { t } = useTranslation();
  const upgrade = useUpgradeServer();
  const [operationId, setOperationId] = useState<string>();
  const progress = useOperationProgress(operationId);
  const current = progress.current;

  const start = () => {
    const id = newOperationId();
    setOperationId(id);
    upgrade.mutate({ serverId: props.serverId, operationId: id });
  };

  return (
    <div className="operation">
      <p className="muted small">{t('updates.upgrade.explain')}</p>
      <button
        type="button"
        className="primary"
        disabled={!props.available || upgrade.isPending}
        onClick={start}
      >
        {upgrade.isPending
          ? t('updates.upgrade.running')
          : props.available
            ? t('updates.upgrade.button', { version: props.version })
            : t('updates.upgrade.upToDate')}
      </button>
      {upgrade.isPending && (
        <div data-testid="upgrade-progress">
          <ProgressBar
            label={t(`updates.step.${current?.step ?? 'backup'}`)}
            done={current?.done ?? 0}
            total={current?.total}
          />
          <ol className="steps small">
            {props.steps
              .filter((s) => progress.steps.has(s))
              .map((s) => (
                <li key={s}>
                  {t(`updates.step.${s}`)}
                  {progress.steps.get(s)?.message && (
                    <span className="muted"> — {progress.steps.get(s)!.message}</span>
                  )}
                </li>
              ))}
          </ol>
        </div>
      )}
      {upgrade.error && (
        <p className="banner error" role="alert">
          {t('updates.upgrade.failed')} {describeError(t, upgrade.error)}
        </p>
      )}
      {upgrade.data && (
        <p
          className={`banner ${upgrade.data.outcome === 'rolled-back' ? 'error' : 'success'}`}
          role="status"
          data-testid="upgrade-outcome"
        >
          {t(`updates.outcome.${upgrade.data.outcome}`, {
            from: upgrade.data.from,
            to: upgrade.data.to,
            duration: formatDuration(t, upgrade.data.seconds),
          })}{' '}
          {upgrade.data.backup === 'skipped' && t('updates.outcome.noBackup')}
          {upgrade.data.outcome === 'rolled-back' && upgrade.data.message && (
            <span className="small"> {upgrade.data.message}</span>
          )}
        </p>
      )}
    </div>
  );
}
