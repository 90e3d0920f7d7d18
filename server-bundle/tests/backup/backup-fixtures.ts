// A data dir with mailboxes holding mail, calendar events and contacts, written through the real
// domain APIs, and what it holds as hashes (to compare a restored copy byte for byte).
import { createHash, randomBytes } from 'node:crypto';
import { newCore, rfc822 } from '../helpers/core.ts';
import type { MailCore } from '../../src/domain/mail-core.ts';

export const PASSWORDS: Record<string, string> = {
  'alice@example.com': 'alice-pw',
  'bob@example.com': 'bob-pw',
  'carol@example.com': 'carol-pw',
};

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

function vevent(uid: string, summary: string): string {
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Facteur tests//EN',
    'BEGIN:VEVENT',
    `UID:${uid}`,
    'DTSTAMP:20240102T090000Z',
    'DTSTART:20240110T100000Z',
    'DTEND:20240110T110000Z',
    `SUMMARY:${summary}`,
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}

function vcard(uid: string, name: string): string {
  return [
    'BEGIN:VCARD',
    'VERSION:3.0',
    `UID:${uid}`,
    `FN:${name}`,
    `EMAIL:${uid}@example.org`,
    'END:VCARD',
    '',
  ].join('\r\n');
}

export async function addMail(core: MailCore, address: string, count: number, tag = ''): Promise<void> {
  const s = await core.openSession(address, PASSWORDS[address]!);
  try {
    const inbox = s.view.getFolder('INBOX')!.id;
    for (let i = 0; i < count; i++)
      await s.append(inbox, rfc822(`${address} ${tag} ${i}`, `${randomBytes(600).toString('base64')}`));
  } finally {
    s.close();
  }
}

export async function populate(dataDir: string, opts: { messages?: number; items?: number } = {}) {
  const { core, recovery } = await newCore(dataDir);
  for (const address of Object.keys(PASSWORDS)) {
    await core.accounts.createMailbox({
      address,
      password: PASSWORDS[address]!,
      recoveryPublicKey: recovery.publicKey.bytes,
    });
    await addMail(core, address, opts.messages ?? 5);
    const s = await core.openSession(address, PASSWORDS[address]!);
    try {
      const cal = s.dav.getCollection('calendar', 'default')!.id;
      const book = s.dav.getCollection('addressbook', 'default')!.id;
      for (let i = 0; i < (opts.items ?? 3); i++) {
        const uid = `${address.split('@')[0]}-${i}`;
        s.dav.putObject(cal, `${uid}.ics`, vevent(uid, `meeting ${i}`), {
          uid,
          component: 'VEVENT',
          start: Date.UTC(2024, 0, 10, 10),
          end: Date.UTC(2024, 0, 10, 11),
          recurring: false,
        });
        s.dav.putObject(book, `${uid}.vcf`, vcard(uid, `Contact ${i}`), {
          uid,
          component: 'VCARD',
          start: null,
          end: null,
          recurring: false,
        });
      }
    } finally {
      s.close();
    }
  }
  return { core, recovery };
}

/** Every message, event and contact of a mailbox as hashes, opened with its password. */
export async function fingerprint(core: MailCore, address: string): Promise<Record<string, string>> {
  const s = await core.openSession(address, PASSWORDS[address]!, { drain: false });
  try {
    const out: Record<string, string> = {};
    for (const f of s.view.listFolders()) {
      for (const uid of s.view.uids(f.id)) out[`mail/${f.name}/${uid}`] = sha(s.view.readRaw(f.id, uid)!);
    }
    for (const kind of ['calendar', 'addressbook'] as const) {
      for (const c of s.dav.listCollections(kind)) {
        for (const o of s.dav.listObjects(c.id, { withData: true }))
          out[`${kind}/${c.name}/${o.href}`] = sha(o.data!);
      }
    }
    return out;
  } finally {
    s.close();
  }
}

const WORDS = Array.from({ length: 3000 }, (_, i) => {
  const syll = ['ka', 'lo', 'mi', 'ne', 'ru', 'ta', 'vo', 'zi', 'pe', 'sa', 'do', 'fu'];
  let w = '';
  for (let n = i + 7; n > 0; n = Math.floor(n / 12)) w += syll[n % 12];
  return w;
});

/** A mail like people send: a few paragraphs of text (indexed) and a binary attachment (not). */
export function realisticMessage(i: number, attachmentBytes: number): Buffer {
  const words: string[] = [];
  const n = 150 + (i % 250);
  for (let k = 0; k < n; k++) words.push(WORDS[Math.floor(Math.random() ** 2 * WORDS.length)]!);
  const text = words.join(' ').replace(/(.{1,72})( |$)/g, '$1\r\n');
  const attachment = randomBytes(attachmentBytes)
    .toString('base64')
    .replace(/(.{76})/g, '$1\r\n');
  return Buffer.from(
    `From: Sender ${i % 40} <s${i % 40}@remote.org>\r\nTo: alice@example.com\r\nSubject: ${words.slice(0, 6).join(' ')}\r\n` +
      `Date: Tue, 2 Jan 2024 09:00:00 +0000\r\nMessage-ID: <m${i}.${randomBytes(4).toString('hex')}@remote.org>\r\n` +
      `MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b${i}"\r\n\r\n` +
      `--b${i}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${text}\r\n` +
      `--b${i}\r\nContent-Type: application/pdf; name="doc${i}.pdf"\r\nContent-Transfer-Encoding: base64\r\n` +
      `Content-Disposition: attachment; filename="doc${i}.pdf"\r\n\r\n${attachment}\r\n--b${i}--\r\n`,
  );
}
