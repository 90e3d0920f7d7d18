import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { BackupsPage } from '../features/backups/BackupsPage';
import { DashboardPage } from '../features/dashboard/DashboardPage';
import { DnsPage } from '../features/dns/DnsPage';
import { MailPage } from '../features/mail/MailPage';
import { ServersPage } from '../features/servers/ServersPage';
import { SettingsPage } from '../features/settings/SettingsPage';
import { SetupPage } from '../features/setup/SetupPage';
import { StatusPanel } from '../features/status/StatusPanel';
import { PlaceholderPage } from '../features/placeholder/PlaceholderPage';
import { UpdatesPage } from '../features/updates/UpdatesPage';
import { describeError } from './errors';
import { clearError, useGlobalError } from './global-errors';
import { sections, type Section } from './sections';
import { useTheme } from './theme';

export function App() {
  const { t } = useTranslation();
  const [section, setSection] = useState<Section>('servers');
  const [theme, setTheme] = useTheme();
  const error = useGlobalError();

  return (
    <div className="shell">
      <nav className="sidebar" aria-label={t('nav.label')}>
        <div className="brand">
          <span className="brand-name">{t('app.name')}</span>
          <span className="brand-tagline">{t('app.tagline')}</span>
        </div>
        <ul>
          {sections.map((s) => (
            <li key={s}>
              <button
                type="button"
                className="nav-item"
                aria-current={s === section ? 'page' : undefined}
                onClick={() => setSection(s)}
              >
                {t(`nav.${s}`)}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      <main className="content">
        {error != null && (
          <div className="banner error" role="alert">
            <strong>{t('errors.title')}</strong> {describeError(t, error)}
            <button type="button" className="link" onClick={clearError}>
              {t('common.close')}
            </button>
          </div>
        )}
        {section === 'servers' && <ServersPage />}
        {section === 'setup' && <SetupPage onOpenDns={() => setSection('dns')} />}
        {section === 'dns' && <DnsPage />}
        {section === 'status' && <StatusPanel />}
        {section === 'dashboard' && <DashboardPage />}
        {section === 'mail' && <MailPage />}
        {section === 'backups' && <BackupsPage onOpenDns={() => setSection('dns')} />}
        {section === 'updates' && <UpdatesPage />}
        {section === 'settings' && <SettingsPage theme={theme} onTheme={setTheme} />}
        {![
          'servers',
          'setup',
          'dns',
          'dashboard',
          'mail',
          'backups',
          'updates',
          'settings',
          'status',
        ].includes(section) && <PlaceholderPage section={t(`nav.${section}`)} />}
      </main>
    </div>
  );
}
