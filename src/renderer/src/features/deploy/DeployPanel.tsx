import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { DeploymentInfo } from '../../../../shared/deploy';
import { useDeployStack } from '../../queries/deploy';
import { ComposeExportButton } from './ComposeExportButton';
import { DeployProgressList } from './DeployProgressList';
import { DeployResultSummary } from './DeployResultSummary';
import { DeploymentStatus } from './DeploymentStatus';
import { ErrorDetails } from './ErrorDetails';
import { newOperationId, useOperationProgress } from './use-operation-progress';

export interface MailNames {
  domain: string;
  /** Empty: mail.<domain>. */
  hostname: string;
}

export const mailHostOf = (names: MailNames): string =>
  names.hostname.trim() || (names.domain.trim() ? `mail.${names.domain.trim().toLowerCase()}` : '');

/** Installs (or reinstalls: every step is idempotent) the mail server, and follows it step by step. */
export function DeployPanel({
  serverId,
  names,
  onNames,
  info,
}: {
  serverId: string;
  names: MailNames;
  onNames: (next: MailNames) => void;
  info: DeploymentInfo | undefined;
}) {
  const { t } = useTranslation();
  const deploy = useDeployStack();
  const [operationId, setOperationId] = useState<string>();
  const progress = useOperationProgress(operationId);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const id = newOperationId();
    setOperationId(id);
    deploy.mutate({ serverId, operationId: id, hostname: mailHostOf(names), domain: names.domain });
  };
  const outcome = deploy.isPending ? 'running' : deploy.isError ? 'failed' : 'succeeded';

  return (
    <div>
      {info?.deployed && !deploy.data && <DeploymentStatus info={info} />}
      <form onSubmit={submit} className="grid" aria-label={t('deploy.formLabel')}>
        <div className="field">
          <label htmlFor="deploy-domain">{t('deploy.domain')}</label>
          <input
            id="deploy-domain"
            required
            value={names.domain}
            placeholder="example.org"
            onChange={(e) => onNames({ ...names, domain: e.target.value })}
          />
          <small>{t('deploy.domainHelp')}</small>
        </div>
        <div className="field">
          <label htmlFor="deploy-hostname">{t('deploy.hostname')}</label>
          <input
            id="deploy-hostname"
            value={names.hostname}
            placeholder={mailHostOf({ ...names, hostname: '' }) || 'mail.example.org'}
            onChange={(e) => onNames({ ...names, hostname: e.target.value })}
          />
          <small>{t('deploy.hostnameHelp')}</small>
        </div>
        <div className="actions">
          <button type="submit" className="primary" disabled={deploy.isPending}>
            {deploy.isPending
              ? t('deploy.installing')
              : deploy.isError
                ? t('common.retry')
                : info?.deployed
                  ? t('deploy.reinstall')
                  : t('deploy.install')}
          </button>
          {(info?.deployed || deploy.data) && <ComposeExportButton serverId={serverId} />}
        </div>
      </form>
      {deploy.error && <ErrorDetails error={deploy.error} lead={t('deploy.failed')} />}
      {operationId && !deploy.isIdle && <DeployProgressList progress={progress} outcome={outcome} />}
      {deploy.data && <DeployResultSummary result={deploy.data} />}
    </div>
  );
}
