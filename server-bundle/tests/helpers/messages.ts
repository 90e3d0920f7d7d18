import type { AppendInput } from '../../src/storage/mailbox-store.ts';

/** A small RFC 5322 message and the analysis a domain analyzer would give for it. */
export function sampleMessage(
  i: number,
  opts: { body?: string; subject?: string; size?: number } = {},
): AppendInput {
  const subject = opts.subject ?? `Message number ${i}`;
  let body = opts.body ?? `Hello, this is body ${i} talking about invoices and kittens.\r\n`;
  if (opts.size && body.length < opts.size)
    body += 'lorem ipsum dolor sit amet '.repeat(Math.ceil((opts.size - body.length) / 27));
  const raw = Buffer.from(
    `From: Alice <alice@example.org>\r\nTo: Bob <bob@example.net>\r\nSubject: ${subject}\r\n` +
      `Date: Mon, 1 Jan 2024 10:00:00 +0000\r\nMessage-ID: <m${i}@example.org>\r\n\r\n${body}`,
  );
  return {
    raw,
    summary: {
      subject,
      from: [{ name: 'Alice', address: 'alice@example.org' }],
      date: Date.parse('2024-01-01T10:00:00Z'),
    },
    text: {
      subject,
      sender: 'Alice alice@example.org',
      recipients: 'Bob bob@example.net',
      headers: subject,
      body,
    },
  };
}
