import { useTranslation } from 'react-i18next';
import { describeMailError } from './mail-errors';

export function ErrorBanner({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (!error) return null;
  return (
    <p className="banner error" role="alert">
      {describeMailError(t, error)}
    </p>
  );
}
