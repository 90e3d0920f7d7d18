/** The DNS and PTR status checks, summarised from the DNS service's live check of the deployed domain. */
import type { DnsCheckReport } from '../../../shared/dns';
import type { StatusCheck } from '../../../shared/status';
import { check } from './check';

const bare = (name: string): string => name.replace(/\.$/, '');

export function dnsCheck(report: DnsCheckReport | { error: string }, domain: string): StatusCheck {
  if ('error' in report || report.problem) {
    const why = 'error' in report ? report.error : report.problem!.message;
    return check(
      'dns',
      'fail',
      'unchecked',
      '?',
      `The records of ${domain} could not be checked: ${why}`,
      'Make sure the domain is registered and its name servers answer; the DNS page shows each record to create.',
      { domain, error: why },
    );
  }
  const bad = report.records.filter((r) => r.status !== 'ok');
  const total = report.records.length;
  const value = `${total - bad.length} of ${total} correct`;
  if (bad.length)
    return check(
      'dns',
      bad.some((r) => r.kind === 'mx' || r.kind === 'mailA') ? 'fail' : 'warn',
      'wrong',
      value,
      `Wrong or missing: ${bad.map((r) => `${r.type} ${r.name}`).join(', ')}.`,
      'Open the DNS page: it shows each expected value and can publish them for you.',
      { domain, records: bad.map((r) => `${r.type} ${r.name}`).join(', ') },
    );
  return check('dns', 'ok', 'ok', value, `Every record of ${domain} is as expected.`, undefined, { domain });
}

export function ptrCheck(report: DnsCheckReport | { error: string }): StatusCheck {
  if ('error' in report || !report.ptr.length)
    return check('ptr', 'unknown', 'unchecked', '?', 'The reverse DNS (PTR) could not be checked.');
  const bad = report.ptr.filter((p) => p.status !== 'ok');
  if (bad.length) {
    const p = bad[0]!;
    const expected = bare(p.expected);
    const found = p.found.map(bare);
    return check(
      'ptr',
      'warn',
      'wrong',
      found[0] ?? '—',
      `The reverse DNS of ${p.ip} should be ${expected}; ${found.length ? `it is ${found.join(', ')}` : 'there is none'}. Big providers distrust mail from such an address.`,
      `Set the reverse DNS (PTR) of ${p.ip} to ${expected} in your VPS provider’s control panel.`,
      { ip: p.ip, expected, found: found.join(', ') || '—' },
    );
  }
  const first = report.ptr[0]!;
  const name = bare(first.expected);
  return check('ptr', 'ok', 'ok', name, `The reverse DNS of ${first.ip} is ${name}.`, undefined, {
    ip: first.ip,
    expected: name,
  });
}
