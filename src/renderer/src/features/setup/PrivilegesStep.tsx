import { useState, type FormEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { describeError } from '../../app/errors';
import { serverAccessQuery, useProvideSudoPassword } from '../../queries/deploy';

/** Administrator rights: nothing to do for root or passwordless sudo; otherwise the sudo password, once. */
export function PrivilegesStep({ serverId }: { serverId: string }) {
  const { t } = useTranslation();
  const access = useQuery(serverAccessQuery(serverId));
  const provide = useProvideSudoPassword();
  const [password, setPassword] = useState('');

  if (access.isPending) return <p className="muted">{t('common.loading')}</p>;
  if (access.error)
    return (
      <p className="banner error" role="alert">
        {describeError(t, access.error)}
      </p>
    );
  const { privileges, user } = access.data;
  if (privileges !== 'password-needed')
    return (
      <p className={privileges === 'unavailable' ? 'banner error' : 'banner success'} role="status">
        {t(`privileges.${privileges}`, { user })}
      </p>
    );

  const submit = (e: FormEvent) => {
    e.preventDefault();
    provide.mutate({ serverId, password }, { onSuccess: () => setPassword('') });
  };
  return (
    <form onSubmit={submit} className="inline-form">
      <p>{t('privileges.askPassword', { user })}</p>
      <div className="field">
        <label htmlFor="sudo-password">{t('privileges.password', { user })}</label>
        <input
          id="sudo-password"
          type="password"
          autoComplete="off"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <small>{t('privileges.memoryOnly')}</small>
      </div>
      {provide.error && (
        <p className="banner error" role="alert">
          {describeError(t, provide.error)}
        </p>
      )}
      <button type="submit" className="primary" disabled={provide.isPending}>
        {provide.isPending ? t('privileges.checking') : t('privileges.submit')}
      </button>
    </form>
  );
}
