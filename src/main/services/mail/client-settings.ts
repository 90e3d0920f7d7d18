/**
 * What a mail app needs to connect, matching what the stack serves (server-bundle/src/web/autoconfig.ts
 * advertises the same): IMAP 993 and POP3 995 with TLS from the first byte, SMTP submission on 465
 * (TLS) and 587 (STARTTLS), all on the mail server's name, the full address as user name.
 */
import type { ClientSettings } from '../../../shared/mailbox';

export function clientSettingsFor(address: string, mailHost: string): ClientSettings {
  const domain = address.slice(address.lastIndexOf('@') + 1);
  return {
    address,
    username: address,
    incoming: [
      { protocol: 'imap', host: mailHost, port: 993, security: 'tls' },
      { protocol: 'pop3', host: mailHost, port: 995, security: 'tls' },
    ],
    outgoing: [
      { protocol: 'smtp', host: mailHost, port: 465, security: 'tls' },
      { protocol: 'smtp', host: mailHost, port: 587, security: 'starttls' },
    ],
    autoconfigUrl: `https://autoconfig.${domain}/mail/config-v1.1.xml`,
  };
}
