import type { Request } from '../../../../shared/contract';

export type DmarcPolicy = 'none' | 'quarantine' | 'reject';

/** What the DNS form holds, as typed; `toPlanRequest` turns it into the contract's request. */
export interface DnsFormState {
  serverId: string;
  domain: string;
  mailHost: string;
  ipv4: string;
  ipv6: string;
  dkim: { selector: string; value: string }[];
  reportMailbox: string;
  dmarcPolicy: DmarcPolicy;
  acmeCa: string;
  mtaStsId: string;
  tlsa: string;
}

export const emptyForm: DnsFormState = {
  serverId: '',
  domain: '',
  mailHost: '',
  ipv4: '',
  ipv6: '',
  dkim: [{ selector: '', value: '' }],
  reportMailbox: '',
  dmarcPolicy: 'quarantine',
  acmeCa: '',
  mtaStsId: '',
  tlsa: '',
};

const opt = (s: string): string | undefined => (s.trim() === '' ? undefined : s.trim());

export function toPlanRequest(f: DnsFormState): Request<'dnsPlan'> {
  return {
    serverId: opt(f.serverId),
    domain: f.domain.trim(),
    mailHost: opt(f.mailHost),
    ipv4: opt(f.ipv4),
    ipv6: opt(f.ipv6),
    dkim: f.dkim
      .filter((k) => k.selector.trim() || k.value.trim())
      .map((k) => ({ selector: k.selector.trim(), value: k.value.trim() })),
    reportMailbox: opt(f.reportMailbox),
    dmarcPolicy: f.dmarcPolicy,
    acmeCa: opt(f.acmeCa),
    mtaStsId: opt(f.mtaStsId),
    tlsa: f.tlsa
      .split(/\s+/)
      .map((s) => s.trim())
      .filter(Boolean),
  };
}

export const isIpv4 = (s: string): boolean => /^(\d{1,3}\.){3}\d{1,3}$/.test(s);
