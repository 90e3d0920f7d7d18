import { useTranslation } from 'react-i18next';
import { prefillDnsForm } from '../dns/DnsPage';

/** The DNS records are set up on their own page, opened here with this server and domain filled in. */
export function DnsHandOver({
  serverId,
  domain,
  mailHost,
  onOpenDns,
}: {
  serverId: string;
  domain: string;
  mailHost: string;
  onOpenDns: () => void;
}) {
  const { t } = useTranslation();
  const open = () => {
    prefillDnsForm({ serverId, domain: domain.trim().toLowerCase(), mailHost, ipv4: '', ipv6: '' });
    onOpenDns();
  };
  return (
    <div>
      <p>{t('wizard.dnsText', { domain })}</p>
      <button type="button" className="primary" onClick={open}>
        {t('wizard.dnsOpen', { domain })}
      </button>
    </div>
  );
}
