import { useTranslation } from 'react-i18next';
import { CopyButton } from '../dns/CopyButton';

/** A generated password, shown this once with a copy button. */
export function SecretOnce({ title, secret, testId }: { title: string; secret: string; testId: string }) {
  const { t } = useTranslation();
  return (
    <div className="password-once" role="group" aria-label={title}>
      <h3>{title}</h3>
      <p>
        <strong>{t('mailbox.writeItDown')}</strong>
      </p>
      <div className="cell-copy">
        <code className="secret" data-testid={testId}>
          {secret}
        </code>
        <CopyButton text={secret} label={t('mailbox.copyPassword')} />
      </div>
    </div>
  );
}
