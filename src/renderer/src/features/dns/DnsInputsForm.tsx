import type { FormEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { serversQuery } from '../../queries/servers';
import { isIpv4, type DmarcPolicy, type DnsFormState } from './dns-form';

/** The domain and the server the records point at. Fields the deploy step knows can be typed in. */
export function DnsInputsForm({
  form,
  onChange,
  onSubmit,
  busy,
}: {
  form: DnsFormState;
  onChange: (next: DnsFormState) => void;
  onSubmit: () => void;
  busy: boolean;
}) {
  const { t } = useTranslation();
  const servers = useQuery(serversQuery());
  const set = <K extends keyof DnsFormState>(key: K, value: DnsFormState[K]) =>
    onChange({ ...form, [key]: value });
  const domain = form.domain.trim().toLowerCase() || 'example.org';

  const pickServer = (id: string) => {
    const host = servers.data?.find((s) => s.id === id)?.host ?? '';
    onChange({ ...form, serverId: id, ipv4: form.ipv4 || (isIpv4(host) ? host : '') });
  };
  const setKey = (i: number, key: 'selector' | 'value', value: string) =>
    set(
      'dkim',
      form.dkim.map((k, j) => (j === i ? { ...k, [key]: value } : k)),
    );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSubmit();
  };

  return (
    <form className="card form-card" onSubmit={submit} aria-labelledby="dns-form-title">
      <h2 id="dns-form-title">{t('dns.formTitle')}</h2>
      <div className="grid">
        <div className="field">
          <label htmlFor="dns-domain">{t('dns.domain')}</label>
          <input
            id="dns-domain"
            required
            value={form.domain}
            placeholder="example.org"
            onChange={(e) => set('domain', e.target.value)}
          />
          <small>{t('dns.domainHelp')}</small>
        </div>
        <div className="field">
          <label htmlFor="dns-server">{t('dns.server')}</label>
          <select id="dns-server" value={form.serverId} onChange={(e) => pickServer(e.target.value)}>
            <option value="">{t('dns.serverNone')}</option>
            {servers.data?.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </div>
      </div>
      <div className="grid three">
        <div className="field">
          <label htmlFor="dns-ipv4">{t('dns.ipv4')}</label>
          <input
            id="dns-ipv4"
            value={form.ipv4}
            placeholder="192.0.2.1"
            onChange={(e) => set('ipv4', e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="dns-ipv6">{t('dns.ipv6')}</label>
          <input
            id="dns-ipv6"
            value={form.ipv6}
            placeholder="2001:db8::1"
            onChange={(e) => set('ipv6', e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="dns-mailhost">{t('dns.mailHost')}</label>
          <input
            id="dns-mailhost"
            value={form.mailHost}
            placeholder={`mail.${domain}`}
            onChange={(e) => set('mailHost', e.target.value)}
          />
        </div>
      </div>
      <p className="muted small">{t('dns.addressesHelp')}</p>
      <fieldset className="field">
        <legend>{t('dns.dkimTitle')}</legend>
        <small>{t('dns.dkimHelp')}</small>
        {form.dkim.map((k, i) => (
          <div className="dkim-row" key={i}>
            <input
              aria-label={t('dns.dkimSelectorN', { n: i + 1 })}
              placeholder={t('dns.dkimSelector')}
              value={k.selector}
              onChange={(e) => setKey(i, 'selector', e.target.value)}
            />
            <input
              className="mono"
              aria-label={t('dns.dkimValueN', { n: i + 1 })}
              placeholder="v=DKIM1; k=rsa; p=…"
              value={k.value}
              onChange={(e) => setKey(i, 'value', e.target.value)}
            />
            <button
              type="button"
              className="link"
              onClick={() =>
                set(
                  'dkim',
                  form.dkim.filter((_, j) => j !== i),
                )
              }
            >
              {t('dns.dkimRemove')}
            </button>
          </div>
        ))}
        <div>
          <button type="button" onClick={() => set('dkim', [...form.dkim, { selector: '', value: '' }])}>
            {t('dns.dkimAdd')}
          </button>
        </div>
      </fieldset>
      <details className="advanced">
        <summary>{t('dns.advanced')}</summary>
        <div className="grid">
          <div className="field">
            <label htmlFor="dns-reports">{t('dns.reportMailbox')}</label>
            <input
              id="dns-reports"
              type="email"
              value={form.reportMailbox}
              placeholder={`postmaster@${domain}`}
              onChange={(e) => set('reportMailbox', e.target.value)}
            />
            <small>{t('dns.reportMailboxHelp')}</small>
          </div>
          <div className="field">
            <label htmlFor="dns-dmarc">{t('dns.dmarcPolicy')}</label>
            <select
              id="dns-dmarc"
              value={form.dmarcPolicy}
              onChange={(e) => set('dmarcPolicy', e.target.value as DmarcPolicy)}
            >
              <option value="none">{t('dns.dmarcNone')}</option>
              <option value="quarantine">{t('dns.dmarcQuarantine')}</option>
              <option value="reject">{t('dns.dmarcReject')}</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor="dns-ca">{t('dns.acmeCa')}</label>
            <input
              id="dns-ca"
              value={form.acmeCa}
              placeholder="letsencrypt.org"
              onChange={(e) => set('acmeCa', e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor="dns-sts">{t('dns.mtaStsId')}</label>
            <input id="dns-sts" value={form.mtaStsId} onChange={(e) => set('mtaStsId', e.target.value)} />
            <small>{t('dns.mtaStsIdHelp')}</small>
          </div>
        </div>
        <div className="field">
          <label htmlFor="dns-tlsa">{t('dns.tlsa')}</label>
          <textarea
            id="dns-tlsa"
            className="mono"
            rows={2}
            value={form.tlsa}
            onChange={(e) => set('tlsa', e.target.value)}
          />
          <small>{t('dns.tlsaHelp')}</small>
        </div>
      </details>
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? t('dns.showing') : t('dns.show')}
        </button>
      </div>
    </form>
  );
}
