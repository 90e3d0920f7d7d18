import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Request } from '../../../../shared/contract';
import type { DnsCheckReport, DnsPtrCheck } from '../../../../shared/dns';
import { describeError } from '../../app/errors';
import { useDnsCheck, useDnsPlan } from '../../queries/dns';
import { formatWhen } from '../servers/format';
import { ApplyForm } from './ApplyForm';
import { CopyButton } from './CopyButton';
import { emptyForm, toPlanRequest, type DnsFormState } from './dns-form';
import { DnsInputsForm } from './DnsInputsForm';
import { RecordsTable } from './RecordsTable';

// The form survives a visit to another page (it holds no secret: the TSIG secret is never kept here).
const FORM_KEY = 'facteur-dns-form';
function loadForm(): DnsFormState {
  try {
    return {
      ...emptyForm,
      ...(JSON.parse(sessionStorage.getItem(FORM_KEY) ?? '{}') as Partial<DnsFormState>),
    };
  } catch {
    return emptyForm;
  }
}

/** Opens the DNS page on these values next time (the setup wizard hands over its server and domain). */
export function prefillDnsForm(values: Partial<DnsFormState>): void {
  sessionStorage.setItem(FORM_KEY, JSON.stringify({ ...loadForm(), ...values }));
}

const symbol: Record<DnsPtrCheck['status'], string> = { ok: '✓', wrong: '✗', missing: '✗', error: '?' };

/** The DNS side of the setup wizard: the records, a zone file, live checks, and applying them. */
export function DnsPage() {
  const { t, i18n } = useTranslation();
  const [form, setFormState] = useState<DnsFormState>(loadForm);
  const setForm = (next: DnsFormState) => {
    setFormState(next);
    sessionStorage.setItem(FORM_KEY, JSON.stringify(next));
  };
  const [request, setRequest] = useState<Request<'dnsPlan'> | null>(null);
  const plan = useDnsPlan();
  const check = useDnsCheck();

  const show = () => {
    const req = toPlanRequest(form);
    check.reset();
    plan.mutate(req, { onSuccess: () => setRequest(req) });
  };
  const runCheck = () => request && check.mutate(request);
  const current = plan.data && request ? plan.data : undefined;
  const report = check.data;

  const download = () => {
    if (!current) return;
    const url = URL.createObjectURL(new Blob([current.zoneFile], { type: 'text/dns' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `${current.domain}.zone`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };

  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">{t('dns.title')}</h1>
      <p className="muted">{t('dns.intro')}</p>
      <DnsInputsForm form={form} onChange={setForm} onSubmit={show} busy={plan.isPending} />
      {plan.error && (
        <p className="banner error" role="alert">
          {describeError(t, plan.error)}
        </p>
      )}
      {current && request && (
        <>
          <h2>{t('dns.recordsTitle', { domain: current.domain })}</h2>
          <p className="muted">{t('dns.recordsIntro')}</p>
          <div className="toolbar">
            <button type="button" className="primary" disabled={check.isPending} onClick={runCheck}>
              {check.isPending ? t('dns.checking') : t('dns.check')}
            </button>
            <button type="button" onClick={download}>
              {t('dns.downloadZone')}
            </button>
            <CopyButton text={current.zoneFile} label={t('dns.copyZone')} caption={t('dns.copyZone')} />
          </div>
          {check.error && (
            <p className="banner error" role="alert">
              {describeError(t, check.error)}
            </p>
          )}
          {report && <CheckSummary report={report} locale={i18n.language} />}
          <RecordsTable
            plan={current}
            report={report}
            params={{
              ca: request.acmeCa ?? 'letsencrypt.org',
              reports: request.reportMailbox ?? `postmaster@${current.domain}`,
            }}
          />
          {report && report.ptr.length > 0 && (
            <div className="ptr">
              <h2>{t('dns.ptrTitle')}</h2>
              <p className="muted">{t('dns.ptrHelp')}</p>
              <ul className="checks">
                {report.ptr.map((p) => (
                  <li
                    key={p.ip}
                    className={`check ${p.status === 'ok' ? 'ok' : p.status === 'error' ? 'unknown' : 'fail'}`}
                    data-ptr={p.ip}
                    data-status={p.status}
                  >
                    <span className="check-icon" aria-hidden="true">
                      {symbol[p.status]}
                    </span>
                    <p>
                      {t(`dns.ptr.${p.status}`, {
                        ip: p.ip,
                        expected: p.expected,
                        found: p.found.join(', '),
                        defaultValue: p.message,
                      })}
                    </p>
                  </li>
                ))}
              </ul>
            </div>
          )}
          <ApplyForm request={request} onApplied={() => check.mutate(request)} />
        </>
      )}
    </section>
  );
}

function CheckSummary({ report, locale }: { report: DnsCheckReport; locale: string }) {
  const { t } = useTranslation();
  if (report.problem)
    return (
      <p className="banner error" role="alert">
        {t(`dns.problems.${report.problem.code}`, {
          domain: report.domain,
          defaultValue: report.problem.message,
        })}
      </p>
    );
  const bad = report.records.filter((r) => r.status !== 'ok').length;
  const servers = report.nameservers.map((n) => n.name).join(', ');
  return (
    <div>
      <p role="status" className={bad ? 'banner error' : 'banner success'} data-testid="dns-summary">
        {bad ? t('dns.someBad', { count: bad }) : t('dns.allGood', { count: report.records.length })}
      </p>
      <p className="muted small">
        {t('dns.checkedAt', { when: formatWhen(report.checkedAt, locale), servers })}
      </p>
    </div>
  );
}
