import { Fragment } from 'react';
import { useTranslation } from 'react-i18next';
import type { DnsCheckReport, DnsPlan, DnsRecordCheck } from '../../../../shared/dns';
import { CopyButton } from './CopyButton';

const symbol: Record<DnsRecordCheck['status'], string> = { ok: '✓', wrong: '✗', missing: '✗', error: '?' };

/** Every record with copy buttons; after a check, ✓/✗ with expected vs found and hints. */
export function RecordsTable({
  plan,
  report,
  params,
}: {
  plan: DnsPlan;
  report: DnsCheckReport | undefined;
  /** Values the translated purposes mention (the CA, the report mailbox). */
  params: { ca: string; reports: string };
}) {
  const { t } = useTranslation();
  const checks = new Map(report?.records.map((c) => [c.id, c]));
  return (
    <table className="records">
      <thead>
        <tr>
          {report && <th scope="col">{t('dns.colStatus')}</th>}
          <th scope="col">{t('dns.colType')}</th>
          <th scope="col">{t('dns.colName')}</th>
          <th scope="col">{t('dns.colValue')}</th>
          <th scope="col">{t('dns.colTtl')}</th>
          <th scope="col">{t('dns.colPurpose')}</th>
        </tr>
      </thead>
      <tbody>
        {plan.records.map((r) => {
          const c = checks.get(r.id);
          const purpose = t(`dns.purposes.${r.kind}`, {
            domain: plan.domain,
            host: plan.mailHost,
            selector: r.id.split(':')[1] ?? '',
            ca: params.ca,
            reports: params.reports,
            defaultValue: r.purpose,
          });
          const cols = report ? 6 : 5;
          return (
            <Fragment key={r.id}>
              <tr data-record={r.id} data-status={c?.status} className={c ? `rec ${c.status}` : 'rec'}>
                {report && (
                  <td className="rec-status">
                    <span aria-hidden="true">{c ? symbol[c.status] : ''}</span>{' '}
                    <span className="check-status">{c ? t(`dns.status.${c.status}`) : ''}</span>
                  </td>
                )}
                <td className="mono">{r.type}</td>
                <td>
                  <div className="cell-copy">
                    <strong className="mono">{r.host}</strong>
                    <CopyButton text={r.host} label={t('dns.copyName', { type: r.type, name: r.name })} />
                  </div>
                  <div className="muted small mono">{r.name}</div>
                </td>
                <td>
                  <div className="cell-copy">
                    <code className="value">{r.value}</code>
                    <CopyButton text={r.value} label={t('dns.copyValue', { type: r.type, name: r.name })} />
                  </div>
                </td>
                <td className="mono">{r.ttl}</td>
                <td className="small">
                  {r.optional && <span className="tag">{t('dns.optional')}</span>} {purpose}
                </td>
              </tr>
              {c && c.status !== 'ok' && (
                <tr className="rec-detail" data-detail={r.id}>
                  <td colSpan={cols}>
                    <CheckDetail check={c} />
                  </td>
                </tr>
              )}
              {c && c.status === 'ok' && c.hints.length > 0 && (
                <tr className="rec-detail" data-detail={r.id}>
                  <td colSpan={cols}>
                    <Hints check={c} />
                  </td>
                </tr>
              )}
            </Fragment>
          );
        })}
      </tbody>
    </table>
  );
}

function Hints({ check }: { check: DnsRecordCheck }) {
  const { t } = useTranslation();
  return (
    <ul className="hints">
      {check.hints.map((h, i) => (
        <li key={i} data-hint={h.code}>
          {t(`dns.hints.${h.code}`, { ...h.params, defaultValue: h.message })}
        </li>
      ))}
    </ul>
  );
}

function CheckDetail({ check }: { check: DnsRecordCheck }) {
  const { t } = useTranslation();
  if (check.status === 'error') return <p className="muted">{t('dns.notChecked')}</p>;
  return (
    <div className="detail">
      <p className="message" title={check.message}>
        {check.diff
          ? t('dns.differs', { at: check.diff.at, expected: check.diff.expected, found: check.diff.found })
          : t(`dns.verdict.${check.status}`)}
      </p>
      <dl className="facts">
        <dt>{t('dns.expected')}</dt>
        <dd>
          <code className="value">{check.expected}</code>
        </dd>
        <dt>{t('dns.found')}</dt>
        <dd>
          {check.found.length === 0
            ? t('dns.nothingFound')
            : check.found.map((f, i) => (
                <code key={i} className="value found">
                  {f}
                </code>
              ))}
        </dd>
      </dl>
      <Hints check={check} />
    </div>
  );
}
