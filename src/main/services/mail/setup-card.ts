/**
 * The text a mailbox's QR code holds: the settings a mail app asks for, in plain words, so a
 * phone's camera shows them to copy (no password: it is typed, or comes from an app password).
 */
import type { ClientSettings } from '../../../shared/mailbox';

const SECURITY = { tls: 'SSL/TLS', starttls: 'STARTTLS' } as const;

export function setupCardText(settings: ClientSettings): string {
  const imap = settings.incoming.find((e) => e.protocol === 'imap')!;
  const smtp = settings.outgoing.find((e) => e.security === 'tls') ?? settings.outgoing[0]!;
  return [
    `Mail account: ${settings.address}`,
    `User name: ${settings.username}`,
    `Incoming (IMAP): ${imap.host} port ${imap.port} ${SECURITY[imap.security]}`,
    `Outgoing (SMTP): ${smtp.host} port ${smtp.port} ${SECURITY[smtp.security]}`,
    `Automatic setup: ${settings.autoconfigUrl}`,
  ].join('\n');
}
