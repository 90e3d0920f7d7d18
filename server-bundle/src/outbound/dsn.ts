// Delivery status notifications (RFC 3464): a multipart/report with a human-readable part, the
// machine-readable message/delivery-status, and the original message's header (text/rfc822-headers).
// Used for bounces (action "failed") and the delay notice (action "delayed").
import { randomBytes } from 'node:crypto';

export interface DsnRecipient {
  address: string;
  action: 'failed' | 'delayed';
  /** RFC 3463 enhanced status, e.g. "5.1.1" */
  status: string;
  /** The remote server's reply ("smtp; 550 5.1.1 ...") or our own diagnosis. */
  diagnostic?: string;
  remoteMta?: string;
  lastAttemptAt?: number;
}

export interface DsnInput {
  /** Our host name (Reporting-MTA, From: MAILER-DAEMON@...). */
  reportingMta: string;
  /** The original envelope sender: the DSN is addressed to it. */
  to: string;
  queuedAt: number;
  recipients: readonly DsnRecipient[];
  originalRaw: Buffer;
  /** For a delay notice: until when we keep trying. */
  retryUntil?: number;
  now?: number;
}

const rfc5322Date = (ms: number): string => new Date(ms).toUTCString().replace('GMT', '+0000');

function headerBlock(raw: Buffer): string {
  const s = raw.subarray(0, 256 * 1024).toString('latin1');
  const end = s.search(/\r?\n\r?\n/);
  return (end >= 0 ? s.slice(0, end) : s).replace(/\r?\n/g, '\r\n');
}

function subjectOf(headers: string): string {
  const m = /^subject:[ \t]*(.*(?:\r\n[ \t].*)*)/im.exec(headers);
  return m ? m[1]!.replace(/\r\n[ \t]+/g, ' ').trim() : '';
}

/** The status class digit of a failed recipient: bounce reasons that are the sender's to fix. */
export function enhancedStatusOf(code: number, text: string): string {
  const m = /^(?:\d{3}[ -])?([245]\.\d{1,3}\.\d{1,3})\b/.exec(text.trim());
  if (m) return m[1]!;
  return code >= 500 ? '5.0.0' : '4.0.0';
}

export function buildDsn(input: DsnInput): Buffer {
  const now = input.now ?? Date.now();
  const boundary = `dsn-${randomBytes(12).toString('hex')}`;
  const delayed = input.recipients.every((r) => r.action === 'delayed');
  const headers = headerBlock(input.originalRaw);
  const subject = subjectOf(headers);
  const list = input.recipients
    .map((r) => `  ${r.address}${r.diagnostic ? `\r\n    ${r.diagnostic.replace(/\r?\n/g, ' ')}` : ''}`)
    .join('\r\n');
  const human = delayed
    ? [
        `Your message has not been delivered yet to:`,
        '',
        list,
        '',
        `It has been waiting since ${rfc5322Date(input.queuedAt)}. The server will keep trying` +
          (input.retryUntil ? ` until ${rfc5322Date(input.retryUntil)}` : '') +
          '; you do not need to send it again. You will be told if it finally fails.',
      ]
    : [
        `Your message could not be delivered to:`,
        '',
        list,
        '',
        'The server gave up. The reason given by the receiving side is shown above.',
      ];
  const perMessage = [
    `Reporting-MTA: dns; ${input.reportingMta}`,
    `Arrival-Date: ${rfc5322Date(input.queuedAt)}`,
  ];
  const perRecipient = input.recipients.map((r) =>
    [
      `Final-Recipient: rfc822; ${r.address}`,
      `Action: ${r.action}`,
      `Status: ${r.status}`,
      ...(r.remoteMta ? [`Remote-MTA: dns; ${r.remoteMta}`] : []),
      ...(r.diagnostic
        ? [`Diagnostic-Code: smtp; ${r.diagnostic.replace(/\r?\n/g, ' ').slice(0, 900)}`]
        : []),
      ...(r.lastAttemptAt ? [`Last-Attempt-Date: ${rfc5322Date(r.lastAttemptAt)}`] : []),
      ...(r.action === 'delayed' && input.retryUntil
        ? [`Will-Retry-Until: ${rfc5322Date(input.retryUntil)}`]
        : []),
    ].join('\r\n'),
  );
  const lines = [
    `From: Mail Delivery System <MAILER-DAEMON@${input.reportingMta}>`,
    `To: <${input.to}>`,
    `Subject: ${delayed ? 'Delivery delayed' : 'Undelivered Mail Returned to Sender'}${subject ? `: ${subject}` : ''}`.slice(
      0,
      900,
    ),
    `Date: ${rfc5322Date(now)}`,
    `Message-ID: <${randomBytes(12).toString('hex')}@${input.reportingMta}>`,
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
    '',
    'This is a MIME-encapsulated delivery status notification.',
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    ...human,
    '',
    `--${boundary}`,
    'Content-Type: message/delivery-status',
    '',
    perMessage.join('\r\n'),
    '',
    perRecipient.join('\r\n\r\n'),
    '',
    `--${boundary}`,
    'Content-Type: text/rfc822-headers',
    '',
    headers,
    '',
    `--${boundary}--`,
    '',
  ];
  return Buffer.from(lines.join('\r\n'), 'utf8');
}
