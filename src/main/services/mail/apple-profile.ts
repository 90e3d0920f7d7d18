/**
 * An Apple configuration profile (.mobileconfig) for one mailbox: a com.apple.mail.managed
 * payload with IMAP on 993 and SMTP on 465, TLS from the first byte. No password inside unless
 * one is given (an app password made for this profile): iOS and macOS then ask for it.
 */
import { randomUUID } from 'node:crypto';
import type { ClientSettings } from '../../../shared/mailbox';

type PlistValue = string | number | boolean | PlistValue[] | { [key: string]: PlistValue };

const escapeXml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function plistValue(v: PlistValue, indent: string): string {
  const inner = `${indent}  `;
  if (typeof v === 'string') return `${indent}<string>${escapeXml(v)}</string>`;
  if (typeof v === 'number') return `${indent}<integer>${Math.trunc(v)}</integer>`;
  if (typeof v === 'boolean') return `${indent}<${v ? 'true' : 'false'}/>`;
  if (Array.isArray(v))
    return [`${indent}<array>`, ...v.map((x) => plistValue(x, inner)), `${indent}</array>`].join('\n');
  return [
    `${indent}<dict>`,
    ...Object.entries(v).flatMap(([k, x]) => [`${inner}<key>${escapeXml(k)}</key>`, plistValue(x, inner)]),
    `${indent}</dict>`,
  ].join('\n');
}

export function appleProfileXml(
  settings: ClientSettings,
  opts: { displayName?: string | null; password?: string } = {},
): string {
  const imap = settings.incoming.find((e) => e.protocol === 'imap' && e.security === 'tls')!;
  const smtp = settings.outgoing.find((e) => e.protocol === 'smtp' && e.security === 'tls')!;
  const domain = settings.address.slice(settings.address.lastIndexOf('@') + 1);
  const id = `${domain.split('.').reverse().join('.')}.facteur.${settings.address.replace(/[^a-z0-9]/gi, '-')}`;
  const account: Record<string, PlistValue> = {
    PayloadType: 'com.apple.mail.managed',
    PayloadVersion: 1,
    PayloadIdentifier: `${id}.mail`,
    PayloadUUID: randomUUID().toUpperCase(),
    PayloadDisplayName: settings.address,
    EmailAccountDescription: settings.address,
    EmailAccountName: opts.displayName ?? settings.address,
    EmailAccountType: 'EmailTypeIMAP',
    EmailAddress: settings.address,
    IncomingMailServerAuthentication: 'EmailAuthPassword',
    IncomingMailServerHostName: imap.host,
    IncomingMailServerPortNumber: imap.port,
    IncomingMailServerUseSSL: true,
    IncomingMailServerUsername: settings.username,
    OutgoingMailServerAuthentication: 'EmailAuthPassword',
    OutgoingMailServerHostName: smtp.host,
    OutgoingMailServerPortNumber: smtp.port,
    OutgoingMailServerUseSSL: true,
    OutgoingMailServerUsername: settings.username,
    OutgoingPasswordSameAsIncomingPassword: true,
    ...(opts.password ? { IncomingPassword: opts.password, OutgoingPassword: opts.password } : {}),
  };
  const profile: Record<string, PlistValue> = {
    PayloadContent: [account],
    PayloadDisplayName: `Mail: ${settings.address}`,
    PayloadDescription: `Sets up ${settings.address} in Mail (made by Facteur).`,
    PayloadIdentifier: id,
    PayloadOrganization: domain,
    PayloadRemovalDisallowed: false,
    PayloadType: 'Configuration',
    PayloadUUID: randomUUID().toUpperCase(),
    PayloadVersion: 1,
  };
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    plistValue(profile, ''),
    '</plist>',
    '',
  ].join('\n');
}
