import { useTranslation } from 'react-i18next';
import type { DeployResult } from '../../../../shared/deploy';
import { formatBytes } from '../servers/format';
import { formatDuration } from './format';

/** After a deploy: what was sent, what the server already had, and what became of each service. */
export function DeployResultSummary({ result }: { result: DeployResult }) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  return (
    <div data-testid="deploy-result">
      <p className="banner success" role="status">
        {t('deploy.running')}
      </p>
      <dl className="facts">
        <dt>{t('deploy.version')}</dt>
        <dd>{result.version}</dd>
        <dt>{t('deploy.sent')}</dt>
        <dd>
          {t('deploy.sentValue', {
            sent: formatBytes(result.imageBytesSent, locale),
            reused: formatBytes(result.imageBytesReused, locale),
          })}
        </dd>
        <dt>{t('deploy.services')}</dt>
        <dd>
          {result.services
            .map((s) => t(`deploy.action.${s.action}`, { name: s.name.replace(/^facteur-/, '') }))
            .join(', ')}
        </dd>
        <dt>{t('deploy.firewall')}</dt>
        <dd>
          {result.firewall.tool === 'ufw'
            ? t('deploy.firewallOpened', { ports: result.firewall.openedPorts.join(', ') })
            : t('deploy.firewallNone')}
        </dd>
        <dt>{t('deploy.took')}</dt>
        <dd>{formatDuration(t, result.seconds)}</dd>
      </dl>
    </div>
  );
}
