import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { describeError } from '../../app/errors';
import { alertEmailsQuery, useSetAlertEmails } from '../../queries/status';

/** The addresses the server emails its alerts to (shown once the stack runs on the server). */
export function AlertEmailsForm({ serverId }: { serverId: string }) {
  const { t } = useTranslation();
  const current = useQuery(alertEmailsQuery(serverId));
  const save = useSetAlertEmails();
  // What the owner typed; until then, the addresses the server has.
  const [draft, setDraft] = useState<string>();
  if (!current.data) return null;
  const text = draft ?? current.data.to.join(', ');

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const to = text
      .split(/[,\s]+/)
      .map((s) => s.trim())
      .filter(Boolean);
    save.mutate({ serverId, to });
  };
  return (
    <form className="card" onSubmit={submit} aria-labelledby="alert-emails-title">
      <h2 id="alert-emails-title">{t('status.alertEmails.title')}</h2>
      <p className="muted">{t('status.alertEmails.intro')}</p>
      <label htmlFor="alert-emails">{t('status.alertEmails.label')}</label>
      <input id="alert-emails" type="text" value={text} onChange={(e) => setDraft(e.target.value)} />
      {current.data.to.length === 0 && !save.isSuccess && (
        <p className="muted small">{t('status.alertEmails.none')}</p>
      )}
      {save.isSuccess && (
        <p className="banner success" role="status">
          {save.data.to.length
            ? t('status.alertEmails.saved', { to: save.data.to.join(', ') })
            : t('status.alertEmails.off')}
        </p>
      )}
      {save.error && (
        <p className="banner error" role="alert">
          {describeError(t, save.error)}
        </p>
      )}
      <button type="submit" className="primary" disabled={save.isPending}>
        {t('status.alertEmails.save')}
      </button>
    </form>
  );
}
