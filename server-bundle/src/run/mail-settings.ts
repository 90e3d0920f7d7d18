// Settings of internet mail (issue 7): the DNS resolver, the outbound role and the inbound checks
// of the MX role. Part of the server's one configuration file (server-config.ts spreads these
// defaults in); every interval is here so a test runs the 5-day retry policy in seconds.
// Secrets are not: the smarthost password is `smarthostPassword` in secrets.json, the SRS key is
// derived from the server key (or `srsSecret` there).

export interface MailSettings {
  /**
   * DNS used by delivery (MX, A/AAAA, MTA-STS) and the inbound checks (SPF, DKIM, DMARC, DNSBL,
   * rDNS). servers: "ip" or "ip:port" ([] = the system's resolv.conf). cacheTtlMs: answers are
   * kept this long (negative answers a fifth of it); 0 disables the cache.
   */
  dns: { servers: string[]; timeoutMs: number; tries: number; cacheTtlMs: number; cacheMaxEntries: number };
  outbound: {
    /** Deliveries in flight at once. */
    concurrency: number;
    /** How often the queue directory is scanned for new or due entries. */
    scanIntervalMs: number;
    /** Port of remote MX hosts (25; tests point it at an offset MX). */
    deliveryPort: number;
    /** Source address of outbound connections ('' = the system's choice). SPF must list it. */
    localAddress: string;
    /** EHLO name ('' = hostname). */
    heloName: string;
    connectTimeoutMs: number;
    /** Longest wait for any reply (greeting, command, end of DATA). */
    commandTimeoutMs: number;
    /** An idle connection to a remote host is kept this long for the next message. */
    idleConnectionMs: number;
    maxMessagesPerConnection: number;
    /**
     * After failed attempt n (1-based) the next one waits firstDelayMs * factor^(n-1), capped at
     * maxDelayMs. A message still undelivered giveUpAfterMs after it was queued bounces; its
     * sender gets one delay notice once it has waited delayNoticeAfterMs.
     */
    retry: {
      firstDelayMs: number;
      factor: number;
      maxDelayMs: number;
      giveUpAfterMs: number;
      delayNoticeAfterMs: number;
    };
    /** Extra CA (PEM file) trusted when verifying remote certificates (MTA-STS, smarthost); '' = system roots only. */
    tlsCaFile: string;
    /** MTA-STS (RFC 8461): policies are fetched from https://mta-sts.<domain>:<httpsPort>/ and cached. */
    mtaSts: { enabled: boolean; httpsPort: number; fetchTimeoutMs: number };
    /** Relay every message through this host instead of MX lookups ('' = direct delivery). */
    smarthost: { host: string; port: number; secure: boolean; username: string };
    /** SRS rewriting of forwarded mail: the domain of rewritten senders ('' = hostname). */
    srs: { domain: string; maxAgeDays: number };
    /** Per-user sending limits at submission, counted in Redis (0 = unlimited). */
    limits: { messagesPerHour: number; messagesPerDay: number };
    /**
     * Per-entry leases (Redis) so several outbound processes never deliver one entry at once:
     * a lease lasts ttlMs (after a crash, its entries wait that long) and is renewed every
     * renewEveryMs while a delivery runs.
     */
    lease: { ttlMs: number; renewEveryMs: number };
  };
  inbound: {
    /** SPF, DKIM, DMARC and ARC (mailauth) on every message received by MX. */
    authenticate: boolean;
    /**
     * Clients (CIDR) that skip the DNS-based checks (authentication, DNSBL, rDNS, greylisting):
     * local processes by default. The two-server test empties it to check mail between loopback hosts.
     */
    trustedClients: string[];
    /** DMARC p=reject and a failing message: 550 at DATA (p=quarantine always goes to Junk). */
    dmarcReject: boolean;
    /** DNS blocklists queried for each client address; a listing rejects when `reject`, else scores. */
    dnsbl: { zones: string[]; reject: boolean };
    /** A client whose HELO claims to be this server (or one of its domains) is refused. */
    rejectForgedHelo: boolean;
    /** Greylisting by (client /24, sender, recipient); off by default. */
    greylisting: { enabled: boolean; delayMs: number; retryWindowMs: number; passTtlMs: number };
    /** Per client address: open connections (per MX process) and messages per window (Redis). */
    limits: { connectionsPerIp: number; messagesPerIp: number; windowMs: number };
    /** Spam score above which mail goes to Junk, unless the mailbox sets its own; rejectAbove: refuse at DATA (0 = never). */
    spam: { threshold: number; rejectAbove: number };
  };
}

export const MAIL_DEFAULTS: MailSettings = {
  dns: { servers: [], timeoutMs: 5_000, tries: 2, cacheTtlMs: 5 * 60_000, cacheMaxEntries: 10_000 },
  outbound: {
    concurrency: 16,
    scanIntervalMs: 2_000,
    deliveryPort: 25,
    localAddress: '',
    heloName: '',
    connectTimeoutMs: 30_000,
    commandTimeoutMs: 5 * 60_000,
    idleConnectionMs: 5_000,
    maxMessagesPerConnection: 100,
    retry: {
      firstDelayMs: 5 * 60_000,
      factor: 2,
      maxDelayMs: 4 * 3_600_000,
      giveUpAfterMs: 5 * 86_400_000,
      delayNoticeAfterMs: 4 * 3_600_000,
    },
    tlsCaFile: '',
    mtaSts: { enabled: true, httpsPort: 443, fetchTimeoutMs: 20_000 },
    smarthost: { host: '', port: 587, secure: false, username: '' },
    srs: { domain: '', maxAgeDays: 21 },
    limits: { messagesPerHour: 500, messagesPerDay: 2_000 },
    lease: { ttlMs: 30_000, renewEveryMs: 10_000 },
  },
  inbound: {
    authenticate: true,
    trustedClients: ['127.0.0.0/8', '::1/128'],
    dmarcReject: true,
    dnsbl: { zones: ['zen.spamhaus.org'], reject: true },
    rejectForgedHelo: true,
    greylisting: {
      enabled: false,
      delayMs: 5 * 60_000,
      retryWindowMs: 24 * 3_600_000,
      passTtlMs: 36 * 86_400_000,
    },
    limits: { connectionsPerIp: 20, messagesPerIp: 300, windowMs: 60_000 },
    spam: { threshold: 5, rejectAbove: 15 },
  },
};
