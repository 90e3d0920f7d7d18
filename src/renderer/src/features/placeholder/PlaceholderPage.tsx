import { useTranslation } from 'react-i18next';

export function PlaceholderPage({ section }: { section: string }) {
  const { t } = useTranslation();
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">{t('placeholder.title', { section })}</h1>
      <p className="muted">{t('placeholder.text')}</p>
    </section>
  );
}
