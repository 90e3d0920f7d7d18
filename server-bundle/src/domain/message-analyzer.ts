// Turns raw message bytes into what the store keeps beside them: a summary served by FETCH
// without re-parsing, and the text fed to the full-text index. Protocol front-ends may wrap the
// default analyzer to add their own cache (e.g. IMAP ENVELOPE / BODYSTRUCTURE from imap-core).
import type { SearchText } from '../storage/mailbox-store.ts';
import { parseMime, type Address } from './mime-adapter.ts';

export interface AddressSummary {
  name: string;
  address: string;
}

export interface MessageSummary {
  v: 1;
  subject: string;
  from: AddressSummary[];
  sender: AddressSummary[];
  replyTo: AddressSummary[];
  to: AddressSummary[];
  cc: AddressSummary[];
  bcc: AddressSummary[];
  /** Date: header, ms since epoch, null if absent or unparsable */
  date: number | null;
  messageId: string | null;
  inReplyTo: string | null;
  references: string | null;
  attachments: number;
  preview: string;
  /** false when MIME parsing failed and only the raw header block was read */
  parsed: boolean;
  /** Room for protocol-specific caches added by a wrapping analyzer. */
  [extra: string]: unknown;
}

export interface Analysis {
  summary: MessageSummary;
  text: SearchText;
}

export interface MessageAnalyzer {
  analyze(raw: Buffer): Promise<Analysis>;
}

// Bounds keep a 50 MB message from costing 50 MB of index: mail search is about words people
// remember, which sit in the first megabyte of text.
const MAX_BODY_TEXT = 1 << 20;
const MAX_HEADER_TEXT = 64 << 10;

function flat(list: Address | Address[] | undefined): AddressSummary[] {
  const out: AddressSummary[] = [];
  for (const a of list === undefined ? [] : Array.isArray(list) ? list : [list]) {
    if (a.group) out.push(...a.group.map((m) => ({ name: m.name, address: m.address })));
    else if (a.address !== undefined) out.push({ name: a.name, address: a.address });
  }
  return out;
}

function addressText(list: AddressSummary[]): string {
  return list.map((a) => `${a.name} ${a.address}`).join(' ');
}

export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style|head)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/gi, ' ')
    .replace(/&amp;/gi, '&')
    .replace(/&lt;/gi, '<')
    .replace(/&gt;/gi, '>')
    .replace(/&quot;/gi, '"')
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n) % 0x110000))
    .replace(/\s+/g, ' ');
}

/** When MIME parsing fails (broken input), index the raw header block and text as-is. */
function fallback(raw: Buffer): Analysis {
  const s = raw.subarray(0, MAX_BODY_TEXT + MAX_HEADER_TEXT).toString('latin1');
  const split = s.search(/\r?\n\r?\n/);
  const headers = split >= 0 ? s.slice(0, split) : s;
  const body = split >= 0 ? s.slice(split) : '';
  const subject = /^subject:[ \t]*(.*)$/im.exec(headers)?.[1]?.trim() ?? '';
  return {
    summary: {
      v: 1,
      subject,
      from: [],
      sender: [],
      replyTo: [],
      to: [],
      cc: [],
      bcc: [],
      date: null,
      messageId: null,
      inReplyTo: null,
      references: null,
      attachments: 0,
      preview: body.trim().slice(0, 200),
      parsed: false,
    },
    text: { subject, headers: headers.slice(0, MAX_HEADER_TEXT), body: body.slice(0, MAX_BODY_TEXT) },
  };
}

export const defaultAnalyzer: MessageAnalyzer = {
  async analyze(raw: Buffer): Promise<Analysis> {
    let p;
    try {
      p = await parseMime(raw);
    } catch {
      return fallback(raw);
    }
    const from = flat(p.from);
    const to = flat(p.to);
    const cc = flat(p.cc);
    const bcc = flat(p.bcc);
    const date = p.date ? Date.parse(p.date) : NaN;
    const bodyText = (p.text ?? (p.html ? htmlToText(p.html) : '')).slice(0, MAX_BODY_TEXT);
    const names = p.attachments.map((a) => a.filename ?? '').join(' ');
    return {
      summary: {
        v: 1,
        subject: p.subject ?? '',
        from,
        sender: flat(p.sender),
        replyTo: flat(p.replyTo),
        to,
        cc,
        bcc,
        date: Number.isFinite(date) ? date : null,
        messageId: p.messageId ?? null,
        inReplyTo: p.inReplyTo ?? null,
        references: p.references ?? null,
        attachments: p.attachments.length,
        preview: bodyText.replace(/\s+/g, ' ').trim().slice(0, 200),
        parsed: true,
      },
      text: {
        subject: p.subject ?? '',
        sender: addressText([...from, ...flat(p.sender), ...flat(p.replyTo)]),
        recipients: addressText([...to, ...cc, ...bcc]),
        headers: p.headers
          .map((h) => `${h.key}: ${h.value}`)
          .join('\n')
          .slice(0, MAX_HEADER_TEXT),
        body: names ? `${bodyText}\n${names}` : bodyText,
      },
    };
  },
};
