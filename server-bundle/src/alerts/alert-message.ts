// The alert email itself: plain text plus a simple HTML part, in plain words (what happened, since
// when, what to do), with Date, Message-ID and Auto-Submitted headers (RFC 3834: no auto-replies).
import { randomBytes } from 'node:crypto';

export interface AlertEmailInput {
  hostname: string;
  from: string;
  to: readonly string[];
  kind: 'alert' | 'recovered';
  title: string;
  detail: string;
  advice?: string;
  /** alert: since when; recovered: when the problem began. */
  since: number;
  now: number;
}

const rfc5322Date = (ms: number): string => new Date(ms).toUTCString().replace('GMT', '+0000');
const ascii = (s: string) => /^[\x20-\x7e\t\r\n]*$/.test(s);

function encodeHeader(value: string): string {
  return ascii(value) ? value : `=?UTF-8?B?${Buffer.from(value).toString('base64')}?=`;
}

function wrap(text: string, width = 76): string {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of para.split(' ')) {
      if (line && line.length + 1 + word.length > width) {
        out.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    out.push(line);
  }
  return out.join('\r\n');
}

/** A display name as a quoted string (parentheses would otherwise be a comment), encoded if not ASCII. */
function displayName(name: string): string {
  return ascii(name) ? `"${name.replace(/["\\]/g, '\\$&')}"` : encodeHeader(name);
}

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function duration(ms: number): string {
  const min = Math.round(ms / 60_000);
  if (min < 2) return `${Math.max(1, Math.round(ms / 1000))} seconds`;
  if (min < 120) return `${min} minutes`;
  const h = Math.round(min / 60);
  return h < 48 ? `${h} hours` : `${Math.round(h / 24)} days`;
}

function part(type: string, body: string): string {
  const enc = ascii(body) ? '7bit' : 'base64';
  const content =
    enc === '7bit'
      ? body
      : (
          Buffer.from(body)
            .toString('base64')
            .match(/.{1,76}/g) ?? []
        ).join('\r\n');
  return `Content-Type: ${type}; charset=utf-8\r\nContent-Transfer-Encoding: ${enc}\r\n\r\n${content}\r\n`;
}

/** The paragraphs of the email, shared by both parts. */
export function alertParagraphs(m: AlertEmailInput): string[] {
  const paras = [m.detail];
  if (m.kind === 'alert') {
    paras.push(`Since: ${new Date(m.since).toUTCString()}.`);
    if (m.advice) paras.push(`What to do: ${m.advice}`);
    paras.push('You will get one more email when this is back to normal, and none in between.');
  } else {
    paras.push(
      `The problem began ${new Date(m.since).toUTCString()} and lasted ${duration(m.now - m.since)}. Nothing more to do.`,
    );
  }
  paras.push(
    `Sent by your mail server ${m.hostname}. Change where these alerts go in the Facteur app (Alerts).`,
  );
  return paras;
}

export function composeAlertEmail(m: AlertEmailInput): { raw: Buffer; messageId: string; subject: string } {
  const messageId = `<alert-${m.now.toString(36)}-${randomBytes(8).toString('hex')}@${m.hostname}>`;
  const subject = `[${m.hostname}] ${m.title}`;
  const paras = alertParagraphs(m);
  const text = paras.map((p) => wrap(p)).join('\r\n\r\n') + '\r\n';
  const html =
    `<!doctype html><html><body style="font-family:sans-serif">` +
    `<h2 style="color:${m.kind === 'alert' ? '#b42318' : '#067647'}">${escapeHtml(m.title)}</h2>\r\n` +
    paras.map((p) => `<p>${escapeHtml(p)}</p>`).join('\r\n') +
    `\r\n</body></html>`;
  const boundary = `alert-${randomBytes(12).toString('hex')}`;
  const head = [
    `From: ${displayName(`Facteur (${m.hostname})`)} <${m.from}>`,
    `To: ${m.to.join(', ')}`,
    `Subject: ${encodeHeader(subject)}`,
    `Date: ${rfc5322Date(m.now)}`,
    `Message-ID: ${messageId}`,
    'Auto-Submitted: auto-generated',
    'X-Facteur-Alert: ' + (m.kind === 'alert' ? 'alert' : 'recovered'),
    'MIME-Version: 1.0',
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
  ].join('\r\n');
  const body =
    `--${boundary}\r\n${part('text/plain', text)}` +
    `--${boundary}\r\n${part('text/html', html)}` +
    `--${boundary}--\r\n`;
  return { raw: Buffer.from(`${head}\r\n\r\n${body}`), messageId, subject };
}
