// Where mail clients connect: the mail host and the ports of the protocol roles. Shared by the
// Thunderbird autoconfig file and the Outlook autodiscover answer, so both always agree.
export interface MailEndpoints {
  /** The mail host clients connect to (config.hostname). */
  host: string;
  imaps: number;
  pop3s: number;
  /** SMTP submission with implicit TLS. */
  submissions: number;
  /** SMTP submission with STARTTLS. */
  submission: number;
  /** https://<host>/.well-known/... when the DAV role is enabled, else undefined. */
  davBase?: string;
}
