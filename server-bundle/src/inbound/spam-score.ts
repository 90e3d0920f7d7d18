// A spam score from well-understood signals, in the spirit of SpamAssassin's rule weights but
// small enough to read: authentication results, blocklists, the client's identity, header
// sanity, and a few content heuristics. Higher is spammier; each point added says why. The MX
// role files a message in Junk when the score reaches the mailbox's threshold (default 5).
import type { AuthVerdict } from '../mailauth/mailauth-adapter.ts';

export interface ClientSignals {
  /** DNSBL zones listing the client (when listings score instead of rejecting). */
  dnsbl: string[];
  /** 'confirmed': PTR whose name resolves back; 'unconfirmed': PTR that does not; 'none'. */
  rdns: 'confirmed' | 'unconfirmed' | 'none' | 'skipped';
  /** HELO is a plausible FQDN or an address literal. */
  heloPlausible: boolean;
}

export interface SpamVerdict {
  score: number;
  reasons: string[];
}

interface Rule {
  name: string;
  points: number;
  test: (c: ScoreInput) => boolean;
}

export interface ScoreInput {
  auth: AuthVerdict | undefined;
  client: ClientSignals;
  headers: string;
  body: string;
}

function header(headers: string, name: string): string | undefined {
  const m = new RegExp(`^${name}:[ \\t]*(.*(?:\\r?\\n[ \\t].*)*)`, 'im').exec(headers);
  return m ? m[1]!.replace(/\r?\n[ \t]+/g, ' ').trim() : undefined;
}

const passOrAligned = (a: AuthVerdict | undefined) =>
  !!a && (a.dkim.some((d) => d.result === 'pass') || a.spf === 'pass');

const RULES: Rule[] = [
  // Authentication
  { name: 'DMARC_FAIL', points: 3, test: (c) => c.auth?.dmarc?.result === 'fail' },
  {
    name: 'DMARC_QUARANTINE_POLICY',
    points: 3,
    test: (c) => c.auth?.dmarc?.result === 'fail' && c.auth.dmarc.policy === 'quarantine',
  },
  { name: 'SPF_FAIL', points: 2, test: (c) => c.auth?.spf === 'fail' },
  { name: 'SPF_SOFTFAIL', points: 1, test: (c) => c.auth?.spf === 'softfail' },
  {
    name: 'DKIM_INVALID',
    points: 1,
    // Signed, and no signature verifies (mailauth reports an unsigned message as one dkim=none).
    test: (c) =>
      !!c.auth?.dkim.some((d) => d.result !== 'none') && c.auth.dkim.every((d) => d.result !== 'pass'),
  },
  { name: 'NO_AUTHENTICATION', points: 1.5, test: (c) => !!c.auth && !passOrAligned(c.auth) },
  { name: 'DMARC_PASS', points: -1, test: (c) => c.auth?.dmarc?.result === 'pass' },
  // The client
  { name: 'DNSBL_LISTED', points: 4, test: (c) => c.client.dnsbl.length > 0 },
  { name: 'RDNS_NONE', points: 1, test: (c) => c.client.rdns === 'none' },
  { name: 'RDNS_UNCONFIRMED', points: 0.5, test: (c) => c.client.rdns === 'unconfirmed' },
  { name: 'HELO_IMPLAUSIBLE', points: 1.5, test: (c) => !c.client.heloPlausible },
  // Headers
  { name: 'MISSING_DATE', points: 1, test: (c) => header(c.headers, 'date') === undefined },
  { name: 'MISSING_MESSAGE_ID', points: 1, test: (c) => header(c.headers, 'message-id') === undefined },
  { name: 'MISSING_FROM', points: 2, test: (c) => header(c.headers, 'from') === undefined },
  {
    name: 'SUBJECT_ALL_CAPS',
    points: 1,
    test: (c) => {
      const s = header(c.headers, 'subject') ?? '';
      const letters = s.replace(/[^A-Za-z]/g, '');
      return letters.length >= 8 && letters === letters.toUpperCase();
    },
  },
  {
    name: 'FROM_NAME_HAS_OTHER_ADDRESS',
    points: 1.5,
    test: (c) => {
      const from = header(c.headers, 'from') ?? '';
      const m = /^"?([^"<]*@[^"<\s]+)"?\s*<([^>]+)>/.exec(from);
      return !!m && m[1]!.trim().toLowerCase() !== m[2]!.trim().toLowerCase();
    },
  },
  // Content
  { name: 'HTML_ONLY', points: 0.5, test: (c) => /^content-type:[ \t]*text\/html/im.test(c.headers) },
  { name: 'MANY_LINKS', points: 1, test: (c) => (c.body.match(/https?:\/\//gi)?.length ?? 0) > 15 },
  {
    name: 'URL_SHORTENER',
    points: 1,
    test: (c) => /https?:\/\/(bit\.ly|tinyurl\.com|t\.co|goo\.gl|ow\.ly|is\.gd|buff\.ly)\//i.test(c.body),
  },
  {
    name: 'SPAM_PHRASES',
    points: 1.5,
    test: (c) =>
      /\b(viagra|cialis|lottery winner|you have won|wire transfer fee|crypto giveaway|100% free|act now|verify your account immediately)\b/i.test(
        c.body,
      ),
  },
];

/** Splits the first 256 KiB of a message into its header block and the start of its body. */
export function splitMessage(raw: Buffer): { headers: string; body: string } {
  const s = raw.subarray(0, 256 * 1024).toString('latin1');
  const end = s.search(/\r?\n\r?\n/);
  return end >= 0 ? { headers: s.slice(0, end), body: s.slice(end) } : { headers: s, body: '' };
}

export function spamScore(input: ScoreInput): SpamVerdict {
  let score = 0;
  const reasons: string[] = [];
  for (const r of RULES) {
    if (r.test(input)) {
      score += r.points;
      reasons.push(`${r.name}=${r.points}`);
    }
  }
  return { score: Math.round(score * 10) / 10, reasons };
}
