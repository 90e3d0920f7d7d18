/**
 * A sending mail server in miniature, for tests that disturb the MX: sends numbered messages to
 * port 25 one after another, and like any MTA tries a message again (after `retryMs`) when the
 * connection is refused or drops, or the server answers 4xx. Records which messages the server
 * accepted (250 after DATA): those, and only those, the server has promised to deliver.
 */
import { connect, type Socket } from 'node:net';

export interface SenderStats {
  accepted: string[];
  /** Attempts that ended refused, dropped or with a 4xx (each retried). */
  deferred: number;
  /** Permanent refusals (5xx): a test expects none. */
  rejected: string[];
}

class Lines {
  private buf = '';
  private waiting: Array<(l: string) => void> = [];
  private queue: string[] = [];
  constructor(socket: Socket, onEnd: (err: Error) => void) {
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      this.buf += d;
      let i;
      while ((i = this.buf.indexOf('\r\n')) >= 0) {
        const line = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 2);
        const w = this.waiting.shift();
        if (w) w(line);
        else this.queue.push(line);
      }
    });
    socket.on('close', () => onEnd(new Error('connection closed')));
  }
  next(): Promise<string> {
    const l = this.queue.shift();
    return l !== undefined ? Promise.resolve(l) : new Promise((r) => this.waiting.push(r));
  }
  /** A whole (possibly multi-line) reply: its code. */
  async reply(): Promise<number> {
    for (;;) {
      const l = await this.next();
      if (l[3] !== '-') return Number(l.slice(0, 3));
    }
  }
}

class Deferred extends Error {}

async function sendOne(host: string, to: string, subject: string, timeoutMs: number): Promise<void> {
  const socket = connect({ host, port: 25 });
  socket.setTimeout(timeoutMs, () => socket.destroy(new Error('timeout')));
  try {
    const failed = new Promise<never>((_, reject) => {
      socket.on('error', (e) => reject(new Deferred(e.message)));
      socket.on('close', () => reject(new Deferred('closed')));
    });
    failed.catch(() => undefined);
    const lines = new Lines(socket, () => undefined);
    const expect = async (ok: number): Promise<void> => {
      const code = await Promise.race([lines.reply(), failed]);
      if (code === ok) return;
      if (code >= 400 && code < 500) throw new Deferred(`${code}`);
      throw new Error(`${code}`);
    };
    const say = (l: string): void => void socket.write(`${l}\r\n`);
    await expect(220);
    say('EHLO peer.example.net');
    await expect(250);
    say('MAIL FROM:<someone@example.net>');
    await expect(250);
    say(`RCPT TO:<${to}>`);
    await expect(250);
    say('DATA');
    await expect(354);
    say(`From: someone@example.net\r\nTo: ${to}\r\nSubject: ${subject}\r\n\r\nSent during an upgrade.\r\n.`);
    await expect(250);
    say('QUIT');
  } finally {
    socket.destroy();
  }
}

export function startSender(opts: {
  host: string;
  to: string;
  prefix: string;
  retryMs?: number;
  timeoutMs?: number;
}) {
  const stats: SenderStats = { accepted: [], deferred: 0, rejected: [] };
  let stopping = false;
  const loop = (async () => {
    for (let n = 1; !stopping; n++) {
      const subject = `${opts.prefix}-${n}`;
      for (;;) {
        try {
          await sendOne(opts.host, opts.to, subject, opts.timeoutMs ?? 10_000);
          stats.accepted.push(subject);
          break;
        } catch (err) {
          if (!(err instanceof Deferred)) {
            stats.rejected.push(`${subject}: ${(err as Error).message}`);
            break;
          }
          stats.deferred++;
          // A message in flight is never abandoned: stop only between messages.
          await new Promise((r) => setTimeout(r, opts.retryMs ?? 200));
        }
      }
    }
  })();
  return {
    stats,
    async stop(): Promise<SenderStats> {
      stopping = true;
      await loop;
      return stats;
    },
  };
}
