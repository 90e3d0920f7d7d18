import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Response, ServerAuth } from '../../../../shared/contract';
import { describeError } from '../../app/errors';
import { useAddServer, useScanHostKey } from '../../queries/servers';

type Method = 'privateKey' | 'password';

/** Two steps: connect and show the host key; the owner confirms it; then log in and save. */
export function AddServerForm({
  onCancel,
  onAdded,
}: {
  onCancel: () => void;
  onAdded: (name: string) => void;
}) {
  const { t } = useTranslation();
  const scan = useScanHostKey();
  const add = useAddServer();
  const [name, setName] = useState('');
  const [host, setHost] = useState('');
  const [port, setPort] = useState('22');
  const [user, setUser] = useState('root');
  const [method, setMethod] = useState<Method>('privateKey');
  const [privateKey, setPrivateKey] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [password, setPassword] = useState('');
  const [hostKey, setHostKey] = useState<Response<'scanHostKey'> | null>(null);

  const target = { host: host.trim(), port: Number(port) || 22 };
  const error = scan.error ?? add.error;
  const busy = scan.isPending || add.isPending;

  const onConnect = (e: FormEvent) => {
    e.preventDefault();
    add.reset();
    scan.mutate(target, { onSuccess: setHostKey });
  };

  const onTrust = () => {
    if (!hostKey) return;
    const auth: ServerAuth =
      method === 'privateKey'
        ? { kind: 'privateKey', privateKey, passphrase: passphrase || undefined }
        : { kind: 'password', password };
    add.mutate(
      {
        ...target,
        name: name.trim() || undefined,
        user: user.trim(),
        auth,
        confirmedFingerprint: hostKey.fingerprint,
      },
      {
        onSuccess: (profile) => {
          setPassword('');
          onAdded(profile.name);
        },
        onError: () => setHostKey(null),
      },
    );
  };

  const readKeyFile = async (file: File | undefined) => {
    if (file) setPrivateKey(await file.text());
  };

  return (
    <div className="card form-card" role="region" aria-labelledby="add-title">
      <h2 id="add-title">{t('addServer.title')}</h2>
      {!hostKey ? (
        <form onSubmit={onConnect}>
          <div className="grid">
            <div className="field">
              <label htmlFor="srv-host">{t('addServer.host')}</label>
              <input
                id="srv-host"
                required
                value={host}
                onChange={(e) => setHost(e.target.value)}
                aria-describedby="srv-host-help"
                autoFocus
              />
              <small id="srv-host-help">{t('addServer.hostHelp')}</small>
            </div>
            <div className="field narrow">
              <label htmlFor="srv-port">{t('addServer.port')}</label>
              <input
                id="srv-port"
                inputMode="numeric"
                value={port}
                onChange={(e) => setPort(e.target.value)}
              />
            </div>
            <div className="field">
              <label htmlFor="srv-user">{t('addServer.user')}</label>
              <input id="srv-user" required value={user} onChange={(e) => setUser(e.target.value)} />
            </div>
            <div className="field">
              <label htmlFor="srv-name">{t('addServer.name')}</label>
              <input
                id="srv-name"
                value={name}
                placeholder={t('addServer.namePlaceholder')}
                onChange={(e) => setName(e.target.value)}
              />
            </div>
          </div>
          <fieldset className="field">
            <legend>{t('addServer.method')}</legend>
            <label className="radio">
              <input
                type="radio"
                name="method"
                checked={method === 'privateKey'}
                onChange={() => setMethod('privateKey')}
              />
              {t('addServer.methodKey')}
            </label>
            <label className="radio">
              <input
                type="radio"
                name="method"
                checked={method === 'password'}
                onChange={() => setMethod('password')}
              />
              {t('addServer.methodPassword')}
            </label>
          </fieldset>
          {method === 'privateKey' ? (
            <>
              <div className="field">
                <label htmlFor="srv-key">{t('addServer.privateKey')}</label>
                <textarea
                  id="srv-key"
                  rows={5}
                  className="mono"
                  required
                  value={privateKey}
                  onChange={(e) => setPrivateKey(e.target.value)}
                  aria-describedby="srv-key-help"
                  spellCheck={false}
                />
                <small id="srv-key-help">{t('addServer.privateKeyHelp')}</small>
                <label className="file">
                  {t('addServer.keyFile')}
                  <input type="file" onChange={(e) => void readKeyFile(e.target.files?.[0])} />
                </label>
              </div>
              <div className="field">
                <label htmlFor="srv-passphrase">{t('addServer.passphrase')}</label>
                <input
                  id="srv-passphrase"
                  type="password"
                  value={passphrase}
                  onChange={(e) => setPassphrase(e.target.value)}
                  autoComplete="off"
                />
              </div>
            </>
          ) : (
            <div className="field">
              <label htmlFor="srv-password">{t('addServer.password')}</label>
              <input
                id="srv-password"
                type="password"
                required
                value={password}
                onChange={(e) => setPassword(e.target.value)}
                aria-describedby="srv-password-help"
                autoComplete="off"
              />
              <small id="srv-password-help">{t('addServer.passwordHelp')}</small>
            </div>
          )}
          {error && (
            <p className="banner error" role="alert">
              {describeError(t, error)}
            </p>
          )}
          {add.isPending && <p role="status">{t('addServer.saving')}</p>}
          <div className="actions">
            <button type="submit" className="primary" disabled={busy}>
              {busy ? t('addServer.connecting') : t('addServer.connect')}
            </button>
            <button type="button" onClick={onCancel}>
              {t('common.cancel')}
            </button>
          </div>
        </form>
      ) : (
        <div>
          <h3>{t('addServer.verifyTitle')}</h3>
          <p>{t('addServer.verifyText')}</p>
          <p>
            {t('addServer.fingerprint', { algorithm: hostKey.algorithm })}
            <br />
            <code className="fingerprint" data-testid="fingerprint">
              {hostKey.fingerprint}
            </code>
          </p>
          {add.isPending && <p role="status">{t('addServer.saving')}</p>}
          <div className="actions">
            <button type="button" className="primary" onClick={onTrust} disabled={add.isPending}>
              {t('addServer.trust')}
            </button>
            <button type="button" onClick={() => setHostKey(null)} disabled={add.isPending}>
              {t('common.cancel')}
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
