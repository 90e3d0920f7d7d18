import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { languages, type Language } from '../../i18n';
import { appInfoQuery } from '../../queries/app';
import type { ThemeChoice } from '../../app/theme';
import { RecoveryKitPanel } from './RecoveryKitPanel';

export function SettingsPage({ theme, onTheme }: { theme: ThemeChoice; onTheme: (t: ThemeChoice) => void }) {
  const { t, i18n } = useTranslation();
  const info = useQuery(appInfoQuery());
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">{t('settings.title')}</h1>
      <div className="field">
        <label htmlFor="language">{t('settings.language')}</label>
        <select
          id="language"
          value={i18n.language}
          onChange={(e) => void i18n.changeLanguage(e.target.value as Language)}
        >
          {Object.entries(languages).map(([code, name]) => (
            <option key={code} value={code}>
              {name}
            </option>
          ))}
        </select>
      </div>
      <fieldset className="field">
        <legend>{t('settings.theme')}</legend>
        {(['system', 'light', 'dark'] as const).map((choice) => (
          <label key={choice} className="radio">
            <input
              type="radio"
              name="theme"
              value={choice}
              checked={theme === choice}
              onChange={() => onTheme(choice)}
            />
            {t(`settings.theme${choice[0]!.toUpperCase()}${choice.slice(1)}` as 'settings.themeSystem')}
          </label>
        ))}
      </fieldset>
      <RecoveryKitPanel />
      {info.data && <p className="muted">{t('settings.version', info.data)}</p>}
    </section>
  );
}
