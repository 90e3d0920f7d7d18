// The only module that imports postal-mime (MIME parsing for summaries and the search index).
import PostalMime, { type Address, type Email } from 'postal-mime';

export type { Address };

export interface ParsedMime {
  headers: Array<{ key: string; value: string }>;
  subject?: string;
  from?: Address;
  sender?: Address;
  replyTo?: Address[];
  to?: Address[];
  cc?: Address[];
  bcc?: Address[];
  date?: string;
  messageId?: string;
  inReplyTo?: string;
  references?: string;
  text?: string;
  html?: string;
  attachments: Array<{ filename: string | null; mimeType: string; size: number }>;
}

export async function parseMime(raw: Uint8Array): Promise<ParsedMime> {
  const e: Email = await PostalMime.parse(raw, { attachmentEncoding: 'arraybuffer', maxNestingDepth: 256 });
  return {
    headers: e.headers.map((h) => ({ key: h.key, value: h.value })),
    subject: e.subject,
    from: e.from,
    sender: e.sender,
    replyTo: e.replyTo,
    to: e.to,
    cc: e.cc,
    bcc: e.bcc,
    date: e.date,
    messageId: e.messageId,
    inReplyTo: e.inReplyTo,
    references: e.references,
    text: e.text,
    html: e.html,
    attachments: e.attachments.map((a) => ({
      filename: a.filename,
      mimeType: a.mimeType,
      size: typeof a.content === 'string' ? a.content.length : a.content.byteLength,
    })),
  };
}
