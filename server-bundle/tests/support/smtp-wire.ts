// A raw SMTP client for protocol tests: exact commands in, exact replies out (multi-line aware),
// STARTTLS upgrade, and byte-level writes for malformed input. Reusable by any SMTP test.
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';

export interface Reply {
  code: number;
  lines: string[];
  /** All lines joined with '\n', codes stripped. */
  text: string;
}

export class SmtpWire {
  #socket: Socket | TLSSocket;
  #buf = '';
  #replies: Reply[] = [];
  #waiters: Array<{ resolve: (r: Reply) => void; reject: (e: Error) => void }> = [];
  #pending: string[] = [];
  #ended = false;
  greeting!: Reply;
  readonly closed: Promise<void>;

  private constructor(socket: Socket | TLSSocket) {
    this.#socket = socket;
    this.closed = new Promise((r) => socket.once('close', () => r()));
    this.#attach(socket);
  }

  static async connect(opts: {
    host: string;
    port: number;
    tls?: boolean;
    timeoutMs?: number;
    localAddress?: string;
  }): Promise<SmtpWire> {
    const socket = await new Promise<Socket | TLSSocket>((resolve, reject) => {
      const s = opts.tls
        ? tlsConnect(
            {
              host: opts.host,
              port: opts.port,
              rejectUnauthorized: false,
              servername: 'mail.example.com',
              ...({ localAddress: opts.localAddress } as object),
            },
            () => resolve(s),
          )
        : netConnect({ host: opts.host, port: opts.port, localAddress: opts.localAddress }, () => resolve(s));
      s.once('error', reject);
    });
    socket.setTimeout(opts.timeoutMs ?? 30_000, () => socket.destroy(new Error('smtp wire timeout')));
    const w = new SmtpWire(socket);
    w.greeting = await w.read();
    return w;
  }

  #attach(socket: Socket | TLSSocket): void {
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => this.#onData(d));
    socket.on('error', () => {});
    socket.once('close', () => {
      this.#ended = true;
      for (const w of this.#waiters.splice(0)) w.reject(new Error('connection closed'));
    });
  }

  #onData(d: string): void {
    this.#buf += d;
    let i: number;
    while ((i = this.#buf.indexOf('\r\n')) >= 0) {
      const line = this.#buf.slice(0, i);
      this.#buf = this.#buf.slice(i + 2);
      this.#pending.push(line);
      if (/^\d{3}(?: |$)/.test(line)) {
        const lines = this.#pending.splice(0);
        const reply: Reply = {
          code: Number(line.slice(0, 3)),
          lines,
          text: lines.map((l) => l.slice(4)).join('\n'),
        };
        const w = this.#waiters.shift();
        if (w) w.resolve(reply);
        else this.#replies.push(reply);
      }
    }
  }

  read(): Promise<Reply> {
    const r = this.#replies.shift();
    if (r) return Promise.resolve(r);
    if (this.#ended) return Promise.reject(new Error('connection closed'));
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) =>
      this.#socket.write(data, (err) => (err ? reject(err) : resolve())),
    );
  }

  async cmd(line: string | Buffer): Promise<Reply> {
    await this.write(typeof line === 'string' ? line + '\r\n' : Buffer.concat([line, Buffer.from('\r\n')]));
    return this.read();
  }

  ehlo(name = 'client.example.net'): Promise<Reply> {
    return this.cmd(`EHLO ${name}`);
  }

  async startTls(): Promise<Reply> {
    const r = await this.cmd('STARTTLS');
    if (r.code !== 220) return r;
    const raw = this.#socket as Socket;
    raw.removeAllListeners('data');
    raw.removeAllListeners('close');
    this.#socket = await new Promise<TLSSocket>((resolve, reject) => {
      const s = tlsConnect({ socket: raw, rejectUnauthorized: false, servername: 'mail.example.com' }, () =>
        resolve(s),
      );
      s.once('error', reject);
    });
    this.#attach(this.#socket);
    return r;
  }

  authPlain(user: string, pass: string): Promise<Reply> {
    return this.cmd(`AUTH PLAIN ${Buffer.from(`\0${user}\0${pass}`).toString('base64')}`);
  }

  /** MAIL, RCPTs, DATA and the message (dot-stuffed here); returns the final reply or the first refusal. */
  async send(from: string, to: string[], message: Buffer | string): Promise<Reply> {
    const m = await this.cmd(`MAIL FROM:<${from}>`);
    if (m.code !== 250) return m;
    let accepted = 0;
    let last: Reply | undefined;
    for (const t of to) {
      last = await this.cmd(`RCPT TO:<${t}>`);
      if (last.code === 250) accepted++;
    }
    if (!accepted) return last!;
    const d = await this.cmd('DATA');
    if (d.code !== 354) return d;
    await this.write(dotStuff(typeof message === 'string' ? Buffer.from(message) : message));
    return this.read();
  }

  /** Like send(), with MAIL, RCPT and DATA pipelined in one write (RFC 2920), as MTAs do. */
  async sendPipelined(from: string, to: string[], message: Buffer | string): Promise<Reply> {
    await this.write(`MAIL FROM:<${from}>\r\n${to.map((t) => `RCPT TO:<${t}>\r\n`).join('')}DATA\r\n`);
    const mail = await this.read();
    const rcpts: Reply[] = [];
    for (let i = 0; i < to.length; i++) rcpts.push(await this.read());
    const data = await this.read();
    if (mail.code !== 250) return mail;
    if (data.code !== 354) return rcpts.find((r) => r.code !== 250) ?? data;
    await this.write(dotStuff(typeof message === 'string' ? Buffer.from(message) : message));
    return this.read();
  }

  get peerCertificateFingerprint(): string | undefined {
    return (this.#socket as TLSSocket).getPeerX509Certificate?.()?.fingerprint256;
  }

  async quit(): Promise<void> {
    if (!this.#ended) await this.cmd('QUIT').catch(() => {});
    this.#socket.destroy();
  }

  destroy(): void {
    this.#socket.destroy();
  }
}

/** DATA payload for a message: leading dots doubled, CRLF-terminated, then the final '.'. */
export function dotStuff(message: Buffer): Buffer {
  let s = message.toString('latin1').replace(/(^|\r\n)\./g, '$1..');
  if (!s.endsWith('\r\n')) s += '\r\n';
  return Buffer.from(s + '.\r\n', 'latin1');
}
