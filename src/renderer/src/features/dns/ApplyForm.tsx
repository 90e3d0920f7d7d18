import { useState, type FormEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { Request, Response } from '../../../../shared/contract';
import { FacteurError } from '../../../../shared/errors';
import { describeError } from '../../app/errors';
import { savedProviderQuery, useDnsApply } from '../../queries/dns';

/** RFC 2136 dynamic update: server, port, key name and secret (kept in the vault once it works). */
export function ApplyForm({
  request,
  onApplied,
}: {
  request: Request<'dnsPlan'>;
  onApplied: (result: Response<'dnsApply'>) => void;
}) {
  const { t } = useTranslation();
  const domain = request.domain.trim().toLowerCase();
  const saved = useQuery(savedProviderQuery(domain));
  const apply = useDnsApply();
  const [edits, setEdits] = useState<Partial<Record<'server' | 'port' | 'zone' | 'keyName', string>>>({});
  const [secret, setSecret] = useState('');
  const stored = saved.data?.provider;
  const value = {
    server: edits.server ?? stored?.server ?? '',
    port: edits.port ?? String(stored?.port ?? 53),
    zone: edits.zone ?? stored?.zone ?? '',
    keyName: edits.keyName ?? stored?.keyName ?? '',
  };
  const set = (key: keyof typeof value, v: string) => setEdits({ ...edits, [key]: v });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    apply.mutate(
      {
        plan: request,
        provider: {
          kind: 'rfc2136',
          server: value.server.trim(),
          port: Number(value.port) || 53,
          zone: value.zone.trim() || undefined,
          keyName: value.keyName.trim(),
          secret: secret.trim() || undefined,
        },
      },
      {
        onSuccess: (result) => {
          setSecret('');
          onApplied(result);
        },
      },
    );
  };
  const result = apply.data;
  const error = apply.error;

  return (
    <form className="card form-card" onSubmit={submit} aria-labelledby="dns-apply-title">
      <h2 id="dns-apply-title">{t('dns.apply.title')}</h2>
      <p className="muted">{t('dns.apply.intro')}</p>
      <div className="grid three">
        <div className="field">
          <label htmlFor="dns-up-server">{t('dns.apply.server')}</label>
          <input
            id="dns-up-server"
            required
            value={value.server}
            placeholder="ns1.example.org"
            onChange={(e) => set('server', e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="dns-up-port">{t('dns.apply.port')}</label>
          <input
            id="dns-up-port"
            inputMode="numeric"
            value={value.port}
            onChange={(e) => set('port', e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="dns-up-zone">{t('dns.apply.zone')}</label>
          <input
            id="dns-up-zone"
            value={value.zone}
            placeholder={domain}
            onChange={(e) => set('zone', e.target.value)}
          />
        </div>
      </div>
      <div className="grid">
        <div className="field">
          <label htmlFor="dns-up-key">{t('dns.apply.keyName')}</label>
          <input
            id="dns-up-key"
            required
            value={value.keyName}
            onChange={(e) => set('keyName', e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="dns-up-secret">{t('dns.apply.secret')}</label>
          <input
            id="dns-up-secret"
            type="password"
            autoComplete="off"
            value={secret}
            required={!saved.data?.hasSecret}
            placeholder={saved.data?.hasSecret ? t('dns.apply.secretSaved') : ''}
            onChange={(e) => setSecret(e.target.value)}
          />
          <small>{t('dns.apply.secretHelp')}</small>
        </div>
      </div>
      {error && (
        <p className="banner error" role="alert">
          {error instanceof FacteurError && error.code === 'DNS_UPDATE_REFUSED'
            ? t(`dns.apply.refused.${String(error.params.rcode)}`, {
                ...error.params,
                defaultValue: describeError(t, error),
              })
            : describeError(t, error)}
        </p>
      )}
      {result && !apply.isPending && (
        <div className="banner success" role="status" data-testid="dns-apply-result">
          {result.changes.length === 0 ? t('dns.apply.nothing') : t('dns.apply.done', { ...result })}
          {result.changes.length > 0 && (
            <details>
              <summary>{t('dns.apply.changes', { count: result.changes.length })}</summary>
              <ul className="mono small">
                {result.changes.map((c, i) => (
                  <li key={i}>{c}</li>
                ))}
              </ul>
            </details>
          )}
        </div>
      )}
      <div className="actions">
        <button type="submit" className="primary" disabled={apply.isPending}>
          {apply.isPending ? t('dns.apply.applying') : t('dns.apply.submit')}
        </button>
      </div>
    </form>
  );
}
