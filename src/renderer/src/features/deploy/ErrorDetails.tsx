import { useTranslation } from 'react-i18next';
import { describeError } from '../../app/errors';

/** The owner's sentence for an error, with the server's own words folded away when they add something. */
export function ErrorDetails({ error, lead }: { error: unknown; lead?: string }) {
  const { t } = useTranslation();
  const sentence = describeError(t, error);
  const raw = error instanceof Error ? error.message : '';
  return (
    <div className="banner error" role="alert">
      {lead && <strong>{lead} </strong>}
      {sentence}
      {raw && !sentence.includes(raw) && (
        <details>
          <summary>{t('deploy.details')}</summary>
          <span className="mono small">{raw}</span>
        </details>
      )}
    </div>
  );
}
