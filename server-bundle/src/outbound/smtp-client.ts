// The only module that imports nodemailer: an SMTP client connection for outbound delivery.
// Connects to one address, says EHLO, upgrades with STARTTLS whenever offered (or must, when the
// destination requires verified TLS: MTA-STS enforce, smarthost), optionally authenticates, and
// sends any number of messages one after the other. Replies come back as plain data.
import SMTPConnection from 'nodemailer/lib/smtp-connection';

export type TlsPolicy =
  /** STARTTLS when offered, any certificate; plain text when not offered or the upgrade fails. */
  | 'opportunistic'
  /** STARTTLS required and the certificate must be valid for `servername`. */
  | 'verified';

export interface SmtpClientOptions {
  /** IP address (or host) to connect to. */
  host: string;
  port: number;
  /** Name the certificate must carry (the MX host name). */
  servername: string;
  /** Implicit TLS (smarthost on 465). */
  secure?: boolean;
  tls: TlsPolicy;
  /** Extra trusted CA certificates (PEM). */
  ca?: string;
  localAddress?: string;
  heloName: string;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  auth?: { user: string; pass: string };
}

/** A reply that ended an attempt: code 0 when no reply was received (network, TLS, timeout). */
export class SmtpReplyError extends Error {
  override name = 'SmtpReplyError';
  readonly code: number;
  readonly permanent: boolean;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
    this.permanent = code >= 500 && code < 600;
  }
}

export interface RecipientReply {
  address: string;
  code: number;
  text: string;
}

export interface SendOutcome {
  accepted: string[];
  rejected: RecipientReply[];
  /** Final reply to DATA. */
  response: string;
}

export interface SmtpClient {
  readonly secure: boolean;
  readonly id: string;
  send(envelope: { from: string; to: readonly string[]; size?: number }, raw: Buffer): Promise<SendOutcome>;
  close(): void;
  readonly closed: boolean;
}

type NmError = Error & {
  code?: string;
  responseCode?: number;
  response?: string;
  rejectedErrors?: NmError[];
  recipient?: string;
};

function toReplyError(err: NmError): SmtpReplyError {
  const text = (err.response ?? err.message ?? 'error').replace(/\s+/g, ' ').trim();
  return new SmtpReplyError(err.responseCode ?? 0, text);
}

function rejectedOf(list: NmError[] | undefined, addresses: string[] | undefined): RecipientReply[] {
  return (addresses ?? []).map((address, i) => {
    const e = list?.find((x) => x.recipient === address) ?? list?.[i];
    return {
      address,
      code: e?.responseCode ?? 550,
      text: (e?.response ?? e?.message ?? 'rejected').replace(/\s+/g, ' ').trim(),
    };
  });
}

export function openSmtp(o: SmtpClientOptions): Promise<SmtpClient> {
  const conn = new SMTPConnection({
    host: o.host,
    port: o.port,
    secure: !!o.secure,
    servername: o.servername,
    name: o.heloName,
    localAddress: o.localAddress || undefined,
    connectionTimeout: o.connectTimeoutMs,
    greetingTimeout: o.commandTimeoutMs,
    socketTimeout: o.commandTimeoutMs,
    requireTLS: o.tls === 'verified' && !o.secure,
    opportunisticTLS: o.tls === 'opportunistic',
    tls: {
      servername: o.servername,
      rejectUnauthorized: o.tls === 'verified',
      minVersion: 'TLSv1.2',
      ...(o.ca ? { ca: o.ca } : {}),
    },
    logger: false,
    allowInternalNetworkInterfaces: true,
  });
  let closed = false;
  /** Rejects the send in progress when the connection fails under it (no callback would come). */
  let failPending: ((e: SmtpReplyError) => void) | undefined;
  return new Promise<SmtpClient>((resolve, reject) => {
    // connect()'s callback only reports success: failures before it arrive as 'error' / 'end'.
    let settled = false;
    conn.on('error', (err: NmError) => {
      closed = true;
      failPending?.(toReplyError(err));
      if (!settled) {
        settled = true;
        conn.close();
        reject(toReplyError(err));
      }
    });
    conn.on('end', () => {
      closed = true;
      failPending?.(new SmtpReplyError(0, 'connection closed'));
      if (!settled) {
        settled = true;
        reject(new SmtpReplyError(0, 'connection closed before the greeting'));
      }
    });
    conn.connect((err) => {
      if (settled) return;
      settled = !!err;
      if (err) {
        closed = true;
        conn.close();
        return reject(toReplyError(err as NmError));
      }
      const ready = (): void => {
        settled = true;
        resolve({
          get secure() {
            return conn.secure;
          },
          get closed() {
            return closed || conn.destroyed;
          },
          id: conn.id,
          send(envelope, raw) {
            return new Promise<SendOutcome>((resolveSend, rejectSend) => {
              let done = false;
              const res = (v: SendOutcome) => {
                if (done) return;
                done = true;
                failPending = undefined;
                resolveSend(v);
              };
              const rej = (e: SmtpReplyError) => {
                if (done) return;
                done = true;
                failPending = undefined;
                rejectSend(e);
              };
              failPending = rej;
              conn.send(
                {
                  from: envelope.from || false,
                  to: [...envelope.to],
                  ...(envelope.size ? { size: envelope.size } : {}),
                },
                raw,
                (e, info) => {
                  if (e) {
                    const ne = e as NmError;
                    // Every recipient refused: EENVELOPE with the per-recipient errors.
                    if (ne.code === 'EENVELOPE' && ne.rejectedErrors?.length) {
                      const rejected = rejectedOf(
                        ne.rejectedErrors,
                        ne.rejectedErrors.map((x) => x.recipient ?? ''),
                      );
                      conn.reset(() => undefined);
                      return res({
                        accepted: [],
                        rejected: rejected.length
                          ? rejected
                          : envelope.to.map((a) => ({
                              address: a,
                              code: ne.responseCode ?? 550,
                              text: ne.response ?? ne.message,
                            })),
                        response: '',
                      });
                    }
                    if (ne.responseCode && !closed) conn.reset(() => undefined);
                    return rej(toReplyError(ne));
                  }
                  res({
                    accepted: info!.accepted,
                    rejected: rejectedOf(info!.rejectedErrors as NmError[] | undefined, info!.rejected),
                    response: info!.response,
                  });
                },
              );
            });
          },
          close() {
            if (closed) return;
            closed = true;
            try {
              conn.quit();
            } catch {
              conn.close();
            }
          },
        });
      };
      if (!o.auth) return ready();
      conn.login({ user: o.auth.user, pass: o.auth.pass }, (e) => {
        if (e) {
          settled = true;
          closed = true;
          conn.close();
          return reject(toReplyError(e as NmError));
        }
        ready();
      });
    });
  });
}
