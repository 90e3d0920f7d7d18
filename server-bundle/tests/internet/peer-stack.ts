// One Facteur server of the two-server test on its own loopback address: the role runner of the
// server image (`facteur-server role ...`), with MX + submission + web in one process and the
// outbound role in another (so a test can SIGKILL it alone), and a data directory prepared here
// (domain, mailboxes, DKIM keys, a certificate from the test CA). Redis comes from the test.
// start()/stop() may be repeated (the peer goes down and comes back).
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPair } from '../../src/crypto/hybrid-kem.ts';
import { DkimKeyStore, type DkimKeyInfo } from '../../src/dkim/dkim-keys.ts';
import { MailCore } from '../../src/domain/mail-core.ts';

const MAIN = join(import.meta.dirname, '../../src/run/main.ts');

export interface PeerOptions {
  root: string;
  domain: string;
  address: string;
  portOffset: number;
  /** Extra config (merged over the base). */
  config: Record<string, unknown>;
  tlsBundle: string;
  users: Record<string, string>;
}

export class PeerStack {
  readonly o: PeerOptions;
  readonly dataDir: string;
  readonly configPath: string;
  readonly hostname: string;
  dkim: DkimKeyInfo[] = [];
  pids = new Map<string, number>();
  readonly #children = new Map<string, ChildProcess>();
  #log: WriteStream;

  constructor(o: PeerOptions) {
    this.o = o;
    this.dataDir = join(o.root, 'data');
    this.configPath = join(o.root, 'facteur.json');
    this.hostname = `mx.${o.domain}`;
    mkdirSync(this.dataDir, { recursive: true });
    this.#log = createWriteStream(join(o.root, 'stack.log'));
  }

  port(p: number): number {
    return p + this.o.portOffset;
  }

  /** Domain, mailboxes and DKIM keys, straight on the data directory; the CA-issued certificate. */
  async prepare(): Promise<void> {
    mkdirSync(join(this.dataDir, 'tls'), { recursive: true, mode: 0o700 });
    writeFileSync(join(this.dataDir, 'tls', 'server.pem'), this.o.tlsBundle, { mode: 0o600 });
    const core = await MailCore.open({
      dataDir: this.dataDir,
      kdfCost: { memory: 8192, passes: 1, parallelism: 1 },
    });
    try {
      core.config.addDomain(this.o.domain);
      const owner = generateKeyPair();
      for (const [user, password] of Object.entries(this.o.users)) {
        await core.accounts.createMailbox({
          address: `${user}@${this.o.domain}`,
          password,
          recoveryPublicKey: owner.publicKey.bytes,
        });
      }
    } finally {
      core.close();
    }
    this.dkim = await new DkimKeyStore(join(this.dataDir, 'dkim')).generate(this.o.domain, { stem: 't1' });
    writeFileSync(
      this.configPath,
      JSON.stringify({
        hostname: this.hostname,
        dataDir: this.dataDir,
        listen: [this.o.address],
        portOffset: this.o.portOffset,
        logLevel: 'info',
        logs: { toFile: false, maxBytes: 1_000_000, keep: 1 },
        ...this.o.config,
      }),
    );
  }

  /** The front roles (MX, submission, web) in one process, the outbound role in its own. */
  async start(): Promise<void> {
    await Promise.all([
      this.#spawn('front', ['mx', 'submission', 'web']),
      this.#spawn('outbound', ['outbound']),
    ]);
  }

  /** The front roles alone (a receiving peer that sends nothing). */
  startFront(): Promise<void> {
    return this.#spawn('front', ['mx', 'submission', 'web']);
  }

  /** (Re)starts the outbound role alone (after a SIGKILL, as the stack supervisor would). */
  startOutbound(): Promise<void> {
    return this.#spawn('outbound', ['outbound']);
  }

  /**
   * One more process of the role runner, named `name` (e.g. a second outbound process, control),
   * optionally with a config file of its own (same data directory).
   */
  startProcess(name: string, roles: string[], configPath = this.configPath): Promise<void> {
    return this.#spawn(name, roles, configPath);
  }

  async #spawn(name: string, roles: string[], configPath = this.configPath): Promise<void> {
    const child = spawn(process.execPath, [MAIN, 'role', ...roles, '--config', configPath], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.#children.set(name, child);
    child.stdout!.pipe(this.#log, { end: false });
    child.stderr!.pipe(this.#log, { end: false });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `${this.o.domain} ${roles.join('+')} not ready in 90 s; see ${join(this.o.root, 'stack.log')}`,
            ),
          ),
        90_000,
      );
      child.on('message', (m: { ready?: boolean }) => {
        if (!m.ready) return;
        clearTimeout(timer);
        this.pids.set(name, child.pid!);
        resolve();
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(
          new Error(
            `${this.o.domain} ${roles.join('+')} exited (${code}); see ${join(this.o.root, 'stack.log')}`,
          ),
        );
      });
    });
  }

  /** SIGKILL of one process (no cleanup at all: a crash). */
  crash(name: string): void {
    const c = this.#children.get(name);
    if (c?.pid && c.exitCode === null && c.signalCode === null) process.kill(c.pid, 'SIGKILL');
  }

  async stop(): Promise<void> {
    const all = [...this.#children.values()];
    this.#children.clear();
    await Promise.all(
      all.map(async (c) => {
        if (c.exitCode !== null || c.signalCode !== null) return;
        const exited = new Promise<void>((r) => c.once('exit', () => r()));
        process.kill(c.pid!, 'SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
        if (c.exitCode === null && c.signalCode === null) process.kill(c.pid!, 'SIGKILL');
      }),
    );
  }

  /** Opens a mailbox like an IMAP login would (drains the spool) and returns every message. */
  async messages(user: string, folder = 'INBOX'): Promise<Buffer[]> {
    const core = await MailCore.open({ dataDir: this.dataDir });
    try {
      const s = await core.openSession(`${user}@${this.o.domain}`, this.o.users[user]!);
      try {
        const f = s.view.getFolder(folder) ?? s.view.folderBySpecialUse(folder);
        if (!f) return [];
        return s.view.uids(f.id).map((uid) => s.view.readRaw(f.id, uid)!);
      } finally {
        s.close();
      }
    } finally {
      core.close();
    }
  }
}
