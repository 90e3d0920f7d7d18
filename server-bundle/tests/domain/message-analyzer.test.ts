import { describe, expect, it } from 'vitest';
import { defaultAnalyzer, htmlToText } from '../../src/domain/message-analyzer.ts';

describe('message analyzer', () => {
  it('summarizes addresses, dates, html-only bodies and attachments', async () => {
    const raw = Buffer.from(
      [
        'From: =?utf-8?q?Andr=C3=A9?= <andre@example.org>',
        'To: Team: a@example.com, b@example.com;, c@example.com',
        'Subject: =?utf-8?b?UsOpdW5pb24=?=',
        'Date: Wed, 3 Jan 2024 12:00:00 +0100',
        'Message-ID: <abc@example.org>',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary=XX',
        '',
        '--XX',
        'Content-Type: text/html; charset=utf-8',
        '',
        '<html><head><style>p{}</style></head><body><p>Ordre du jour&nbsp;: budget</p></body></html>',
        '--XX',
        'Content-Type: application/pdf; name=plan.pdf',
        'Content-Disposition: attachment; filename=plan.pdf',
        'Content-Transfer-Encoding: base64',
        '',
        'JVBERi0xLjQK',
        '--XX--',
        '',
      ].join('\r\n'),
    );
    const a = await defaultAnalyzer.analyze(raw);
    expect(a.summary).toMatchObject({
      subject: 'Réunion',
      from: [{ name: 'André', address: 'andre@example.org' }],
      date: Date.parse('2024-01-03T11:00:00Z'),
      messageId: '<abc@example.org>',
      attachments: 1,
      parsed: true,
    });
    expect(a.summary.to.map((x) => x.address)).toEqual(['a@example.com', 'b@example.com', 'c@example.com']);
    expect(a.text.body).toContain('Ordre du jour : budget');
    expect(a.text.body).toContain('plan.pdf');
    expect(a.text.body).not.toContain('p{}');
  });

  it('copes with 100 nested MIME levels and with garbage', async () => {
    let body = 'Content-Type: text/plain\r\n\r\ndeepest words\r\n';
    for (let i = 0; i < 100; i++)
      body = `Content-Type: multipart/mixed; boundary=b${i}\r\n\r\n--b${i}\r\n${body}--b${i}--\r\n`;
    const nested = await defaultAnalyzer.analyze(Buffer.from(`Subject: deep\r\n${body}`));
    expect(nested.summary.subject).toBe('deep');
    const junk = await defaultAnalyzer.analyze(
      Buffer.from([0xff, 0xfe, 0x00, 0x41, 0x0d, 0x0a, 0x0d, 0x0a, 0x80]),
    );
    expect(junk.summary.v).toBe(1);
    const empty = await defaultAnalyzer.analyze(Buffer.alloc(0));
    expect(empty.summary.subject).toBe('');
  });

  it('strips html to text', () => {
    expect(htmlToText('<b>a</b>&amp;<script>x()</script>&#233;')).toBe(' a & é');
  });
});
