// A raw line client for IMAP / POP3 protocol tests: write exact bytes, wait for the line that ends
// an answer (an IMAP tagged line, a POP3 +OK/-ERR), upgrade to TLS in place (STARTTLS / STLS).
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';

export class LineWire {
  #socket: Socket | TLSSocket;
  #buf = Buffer.alloc(0);
  #lines: string[] = [];
  #waiter: (() => void) | undefined;
  closed = false;
  readonly #onData = (d: Buffer) => {
    this.#buf = Buffer.concat([this.#buf, d]);
    let i: number;
    while ((i = this.#buf.indexOf('\n')) >= 0) {
      this.#lines.push(this.#buf.subarray(0, i).toString('utf8').replace(/\r$/, ''));
      this.#buf = this.#buf.subarray(i + 1);
    }
    this.#waiter?.();
  };
  readonly #onClose = () => {
    this.closed = true;
    this.#waiter?.();
  };

  private constructor(socket: Socket | TLSSocket) {
    this.#socket = socket;
    this.#attach(socket);
  }

  #attach(s: Socket | TLSSocket): void {
    s.on('data', this.#onData);
    s.on('close', this.#onClose);
    s.on('error', () => {});
  }

  static async connect(opts: { host: string; port: number; tls: boolean }): Promise<LineWire> {
    const socket = await new Promise<Socket | TLSSocket>((resolve, reject) => {
      const s = opts.tls
        ? tlsConnect(
            { host: opts.host, port: opts.port, rejectUnauthorized: false, servername: 'localhost' },
            () => resolve(s),
          )
        : netConnect({ host: opts.host, port: opts.port }, () => resolve(s));
      s.once('error', reject);
    });
    return new LineWire(socket);
  }

  write(data: string | Buffer): void {
    this.#socket.write(data);
  }

  /** Lines received so far and not yet consumed. */
  get pending(): readonly string[] {
    return this.#lines;
  }

  /** Waits until a line matches; returns every line up to and including it. */
  async until(match: (line: string) => boolean, timeoutMs = 5000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const idx = this.#lines.findIndex(match);
      if (idx >= 0) return this.#lines.splice(0, idx + 1);
      if (this.closed) throw new Error(`connection closed; got: ${JSON.stringify(this.#lines)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timeout; got: ${JSON.stringify(this.#lines)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.#waiter = undefined;
    }
  }

  /** IMAP: sends "<tag> <command>" and returns the lines through the tagged answer. */
  async imap(tag: string, command: string | Buffer, timeoutMs?: number): Promise<string[]> {
    this.write(
      Buffer.concat([
        Buffer.from(`${tag} `),
        Buffer.isBuffer(command) ? command : Buffer.from(command),
        Buffer.from('\r\n'),
      ]),
    );
    return this.until((l) => l.startsWith(`${tag} `), timeoutMs);
  }

  /** POP3: sends a command and returns its status line. */
  async pop(command: string | Buffer, timeoutMs?: number): Promise<string> {
    this.write(
      Buffer.concat([Buffer.isBuffer(command) ? command : Buffer.from(command), Buffer.from('\r\n')]),
    );
    const lines = await this.until((l) => l.startsWith('+OK') || l.startsWith('-ERR'), timeoutMs);
    return lines[lines.length - 1]!;
  }

  /** Upgrades the connection to TLS (after the server's go-ahead to STARTTLS / STLS). */
  async startTls(): Promise<void> {
    const plain = this.#socket;
    plain.off('data', this.#onData);
    plain.off('close', this.#onClose);
    const secure = await new Promise<TLSSocket>((resolve, reject) => {
      const s = tlsConnect({ socket: plain, rejectUnauthorized: false, servername: 'localhost' }, () =>
        resolve(s),
      );
      s.once('error', reject);
    });
    this.#socket = secure;
    this.#attach(secure);
  }

  /** SHA-256 fingerprint of the certificate the server presented (TLS connections only). */
  peerFingerprint(): string {
    const s = this.#socket as TLSSocket;
    if (typeof s.getPeerCertificate !== 'function') throw new Error('not a TLS connection');
    return s.getPeerCertificate().fingerprint256;
  }

  async waitClosed(timeoutMs = 5000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return this.closed;
  }

  close(): void {
    this.#socket.destroy();
  }
}
