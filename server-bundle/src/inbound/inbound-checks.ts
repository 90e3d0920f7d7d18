// What the MX role checks about mail from the internet, stage by stage:
//   connect  open connections per address, DNS blocklists (skipped with a warning when the
//            resolver is a public one, which blocklists refuse), reverse DNS (started, read later)
//   MAIL     forged HELO (claims to be us), messages per client address per window
//   RCPT     greylisting (optional)
//   DATA     SPF, DKIM, DMARC, ARC (mailauth) -> Authentication-Results; DMARC p=reject refuses,
//            p=quarantine files in Junk; the spam score against each mailbox's threshold, unless
//            the owner trusts the sender
// Refusals are PolicyRefusal errors; smtp-errors.ts decides the replies.
import type { Logger } from '../log/logger.ts';
import { verifyMessage, type AuthVerdict } from '../mailauth/mailauth-adapter.ts';
import type { DnsResolver } from '../net/dns-resolver.ts';
import type { SmtpSession } from '../protocols/smtp/smtp-server-adapter.ts';
import type { MailSettings } from '../run/mail-settings.ts';
import { PolicyRefusal } from '../security/policy-refusal.ts';
import type { AbuseLimits } from './abuse-limits.ts';
import {
  dnsblListings,
  heloForged,
  heloPlausible,
  inRanges,
  isInternalAddress,
  reverseDns,
} from './client-checks.ts';
import { spamScore, splitMessage, type SpamVerdict } from './spam-score.ts';
import type { SpamPreferences } from './spam-prefs.ts';

export interface InboundChecksDeps {
  resolver: DnsResolver;
  limits: AbuseLimits;
  prefs: SpamPreferences;
  log: Logger;
  /** Names this server answers for (host name, local domains): a HELO claiming one is forged. */
  ourNames: () => readonly string[];
  /** This server's own addresses (configured listen addresses that are not wildcards). */
  ourAddresses: readonly string[];
}

export interface InboundSettings extends Pick<
  MailSettings['inbound'],
  | 'authenticate'
  | 'trustedClients'
  | 'dmarcReject'
  | 'dnsbl'
  | 'rejectForgedHelo'
  | 'greylisting'
  | 'limits'
  | 'spam'
> {
  /** authserv-id of Authentication-Results: our host name. */
  authservId: string;
}

export interface MessageVerdict {
  /** Header fields to prepend (Received-SPF, Authentication-Results, X-Spam-Score), CRLF-ended. */
  headers: Buffer;
  /** Mailboxes that file it in Junk. */
  junk: Set<string>;
  auth: AuthVerdict | undefined;
  spam: SpamVerdict;
}

interface ClientInfo {
  /** In inbound.trustedClients: no DNS-based checks. */
  trusted: boolean;
  dnsbl: string[];
  rdns: Promise<'confirmed' | 'unconfirmed' | 'none' | 'skipped'>;
  counted: boolean;
}

function fromAddress(headers: string): string | undefined {
  const m = /^from:[ \t]*(.*(?:\r?\n[ \t].*)*)/im.exec(headers);
  if (!m) return undefined;
  const v = m[1]!.replace(/\r?\n[ \t]+/g, ' ');
  return (/<([^<>\s]+@[^<>\s]+)>/.exec(v)?.[1] ?? /([^\s<>"]+@[^\s<>"]+)/.exec(v)?.[1])?.toLowerCase();
}

/**
 * Removes verdict header fields that claim to come from us (RFC 8601 §5: Authentication-Results
 * with our authserv-id; our X-Spam-Score): a sender must not be able to pre-forge them.
 */
export function stripForgedVerdicts(raw: Buffer, authservId: string): Buffer {
  const head = raw.subarray(0, Math.min(raw.length, 256 * 1024)).toString('latin1');
  const end = head.search(/\r?\n\r?\n/);
  if (end < 0) return raw;
  const fields = head.slice(0, end).split(/\r?\n(?![ \t])/);
  const id = authservId.toLowerCase();
  const kept = fields.filter((f) => {
    const lower = f.toLowerCase();
    if (lower.startsWith('x-spam-score:')) return false;
    if (!lower.startsWith('authentication-results:')) return true;
    const v = lower
      .slice('authentication-results:'.length)
      .replace(/\([^)]*\)/g, '')
      .trim();
    return !(v === id || v.startsWith(`${id};`) || v.startsWith(`${id} `));
  });
  if (kept.length === fields.length) return raw;
  return Buffer.concat([Buffer.from(kept.join('\r\n'), 'latin1'), raw.subarray(end)]);
}

export class InboundChecks {
  readonly #d: InboundChecksDeps;
  readonly #s: InboundSettings;
  readonly #clients = new WeakMap<SmtpSession, ClientInfo>();
  readonly #dnsblZones: readonly string[];

  constructor(d: InboundChecksDeps, s: InboundSettings) {
    this.#d = d;
    this.#s = s;
    this.#dnsblZones = s.dnsbl.zones;
    if (s.dnsbl.zones.length && d.resolver.usesPublicResolver) {
      d.log.warn('inbound.dnsbl_skipped', {
        reason: 'the DNS resolver is a public one; blocklists refuse or mislead its queries',
        servers: d.resolver.servers,
      });
      this.#dnsblZones = [];
    }
  }

  async connect(s: SmtpSession): Promise<void> {
    const ip = s.remoteAddress;
    const trusted = inRanges(ip, this.#s.trustedClients);
    const counted = !trusted && this.#d.limits.connectionOpened(ip, this.#s.limits.connectionsPerIp);
    if (!trusted && !counted) throw new PolicyRefusal('TOO_MANY_CONNECTIONS', ip);
    const internal = trusted || isInternalAddress(ip);
    const info: ClientInfo = {
      trusted,
      dnsbl: [],
      rdns: internal ? Promise.resolve('skipped') : reverseDns(this.#d.resolver, ip),
      counted,
    };
    info.rdns.catch(() => undefined);
    this.#clients.set(s, info);
    if (!internal && this.#dnsblZones.length) {
      info.dnsbl = await dnsblListings(this.#d.resolver, ip, this.#dnsblZones);
      if (info.dnsbl.length) {
        this.#d.log.info('inbound.dnsbl_listed', { session: s.id, zones: info.dnsbl });
        if (this.#s.dnsbl.reject) throw new PolicyRefusal('DNSBL_LISTED', info.dnsbl.join(', '));
      }
    }
  }

  closed(s: SmtpSession): void {
    if (this.#clients.get(s)?.counted) this.#d.limits.connectionClosed(s.remoteAddress);
  }

  async mailFrom(s: SmtpSession): Promise<void> {
    if (this.#clients.get(s)?.trusted !== false) return;
    if (
      this.#s.rejectForgedHelo &&
      heloForged(s.heloName, s.remoteAddress, { names: this.#d.ourNames(), addresses: this.#d.ourAddresses })
    ) {
      throw new PolicyRefusal('FORGED_HELO', s.heloName);
    }
    const l = this.#s.limits;
    if (!(await this.#d.limits.messageFromClient(s.remoteAddress, l.messagesPerIp, l.windowMs))) {
      throw new PolicyRefusal('RATE_LIMITED', s.remoteAddress);
    }
  }

  async rcpt(s: SmtpSession, rcptTo: string): Promise<void> {
    const g = this.#s.greylisting;
    if (!g.enabled || this.#clients.get(s)?.trusted !== false || isInternalAddress(s.remoteAddress)) return;
    if (!(await this.#d.limits.greylistPasses(s.remoteAddress, s.mailFrom?.address ?? '', rcptTo, g))) {
      throw new PolicyRefusal('GREYLISTED', rcptTo);
    }
  }

  async message(
    s: SmtpSession,
    received: Buffer,
    mailboxIds: readonly string[],
  ): Promise<MessageVerdict & { raw: Buffer }> {
    let auth: AuthVerdict | undefined;
    const info = this.#clients.get(s);
    // Local processes (trustedClients): stored as received, no verdict.
    if (info?.trusted !== false)
      return {
        raw: received,
        headers: Buffer.alloc(0),
        junk: new Set(),
        auth: undefined,
        spam: { score: 0, reasons: [] },
      };
    const raw = stripForgedVerdicts(received, this.#s.authservId);
    if (this.#s.authenticate && info?.trusted === false) {
      try {
        auth = await verifyMessage(raw, {
          ip: s.remoteAddress.startsWith('::ffff:') ? s.remoteAddress.slice(7) : s.remoteAddress,
          helo: s.heloName,
          sender: s.mailFrom?.address ?? '',
          authservId: this.#s.authservId,
          resolver: this.#d.resolver.lookup,
        });
      } catch (err) {
        this.#d.log.warn('inbound.authentication_failed', { session: s.id, err });
      }
    }
    const dmarcFail = auth?.dmarc?.result === 'fail';
    if (dmarcFail && auth!.dmarc!.policy === 'reject' && this.#s.dmarcReject) {
      throw new PolicyRefusal('DMARC_REJECT', auth!.dmarc!.domain);
    }
    const { headers, body } = splitMessage(raw);
    const spam = spamScore({
      auth,
      client: {
        dnsbl: info?.dnsbl ?? [],
        rdns: info ? await info.rdns.catch(() => 'none' as const) : 'skipped',
        heloPlausible: heloPlausible(s.heloName),
      },
      headers,
      body,
    });
    if (this.#s.spam.rejectAbove > 0 && spam.score >= this.#s.spam.rejectAbove)
      throw new PolicyRefusal('SPAM', `${spam.score}`);
    const quarantine = dmarcFail && auth!.dmarc!.policy === 'quarantine';
    const from = fromAddress(headers);
    const junk = new Set<string>();
    for (const id of new Set(mailboxIds)) {
      const prefs = this.#d.prefs.get(id);
      const trusted = !dmarcFail && this.#d.prefs.isTrusted(prefs, from);
      if (!trusted && (quarantine || spam.score >= (prefs.threshold ?? this.#s.spam.threshold))) junk.add(id);
    }
    this.#d.log.info('inbound.verdict', {
      session: s.id,
      spf: auth?.spf,
      dkim: auth?.dkim.map((d) => `${d.domain}:${d.result}`),
      dmarc: auth?.dmarc?.result,
      score: spam.score,
      junk: junk.size,
    });
    const spamHeader = `X-Spam-Score: ${spam.score} (${spam.reasons.join(', ') || 'no rules'})\r\n`;
    return { raw, headers: Buffer.from((auth?.headers ?? '') + spamHeader), junk, auth, spam };
  }
}
