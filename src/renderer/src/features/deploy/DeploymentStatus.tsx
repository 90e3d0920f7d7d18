import { useTranslation } from 'react-i18next';
import type { DeploymentInfo } from '../../../../shared/deploy';
import { formatWhen } from '../servers/format';

/** What runs on the server now: version and each service's state and health. */
export function DeploymentStatus({ info }: { info: DeploymentInfo }) {
  const { t, i18n } = useTranslation();
  return (
    <div className="deployment" data-testid="deployment-info">
      <p className="muted">
        {t('deploy.deployedVersion', { version: info.version ?? '?' })}
        {info.deployedAt && ` · ${formatWhen(info.deployedAt, i18n.language)}`}
        {info.version &&
          info.version !== info.bundledVersion &&
          ` · ${t('deploy.newer', { version: info.bundledVersion })}`}
      </p>
      <table className="services">
        <caption className="visually-hidden">{t('deploy.servicesCaption')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('deploy.service')}</th>
            <th scope="col">{t('deploy.roles')}</th>
            <th scope="col">{t('deploy.state')}</th>
          </tr>
        </thead>
        <tbody>
          {info.services.map((s) => (
            <tr key={s.name} data-service={s.name} data-health={s.health}>
              <td>{s.name.replace(/^facteur-/, '')}</td>
              <td className="muted">{s.roles.join(', ')}</td>
              <td className={`svc ${s.state === 'running' && s.health !== 'unhealthy' ? 'ok' : 'bad'}`}>
                {t(`deploy.serviceState.${s.state}`)}
                {s.state === 'running' && s.health !== 'none' && ` · ${t(`deploy.health.${s.health}`)}`}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
