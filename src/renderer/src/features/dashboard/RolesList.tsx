import { useTranslation } from 'react-i18next';
import type { ServerHealth } from '../../../../shared/operate';

/** Each role of the server with its state and how often it restarted, and the certificate's days left. */
export function RolesList({ health }: { health: ServerHealth }) {
  const { t } = useTranslation();
  return (
    <section className="card roles" aria-labelledby="roles-title">
      <h2 id="roles-title">{t('dashboard.rolesTitle')}</h2>
      <ul>
        {health.roles.map((r) => (
          <li key={r.role} data-role={r.role} data-status={r.status}>
            <span className={`state-dot ${r.status === 'up' ? 'ok' : 'degraded'}`} aria-hidden="true" />
            <span className="role-name">
              {t(`dashboard.role.${r.role}` as 'dashboard.role.mx', { defaultValue: r.role })}
            </span>
            <span className="role-status">{t(`dashboard.roleStatus.${r.status}`)}</span>
            <span className="muted small">{t('dashboard.restarts', { count: r.restarts })}</span>
          </li>
        ))}
      </ul>
      {health.certificate && (
        <p className="muted small">
          {health.certificate.selfSigned
            ? t('dashboard.certificateSelfSigned')
            : t('dashboard.certificateDays', { count: health.certificate.daysLeft })}
        </p>
      )}
    </section>
  );
}
