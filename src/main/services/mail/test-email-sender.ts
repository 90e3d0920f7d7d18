/**
 * Sends one message through a server's submission port (465, TLS from the first byte) the way a
 * mail app does, logged in with an app password (this file is the only importer of nodemailer).
 * The server's certificate is checked against the fingerprint its control API reported over SSH
 * (so a self-signed certificate before the CA's one is fine, and an impostor is refused).
 */
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { createTransport } from 'nodemailer';

export interface TestEmail {
  host: string;
  port: number;
  /** The mail host name (SNI). */
  servername: string;
  /** SHA-256 fingerprint of the certificate the server must present ("AB:CD:…"). */
  fingerprint256: string;
  user: string;
  password: string;
  from: string;
  to: string;
  subject: string;
  text: string;
  timeoutMs: number;
}

export type SendOutcome = { accepted: true; response: string } | { accepted: false; response: string };

const normalizeFingerprint = (f: string): string => f.replace(/:/g, '').toUpperCase();

function pinnedTls(mail: TestEmail): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host: mail.host,
      port: mail.port,
      servername: mail.servername,
      // Verified below against the pinned fingerprint instead of a CA chain.
      rejectUnauthorized: false,
      timeout: mail.timeoutMs,
    });
    const fail = (err: Error) => {
      socket.destroy();
      reject(err);
    };
    socket.once('timeout', () => fail(new Error(`no answer from ${mail.host}:${mail.port}`)));
    socket.once('error', fail);
    socket.once('secureConnect', () => {
      const presented = socket.getPeerCertificate().fingerprint256 ?? '';
      if (normalizeFingerprint(presented) !== normalizeFingerprint(mail.fingerprint256))
        return fail(new Error('the server presented another certificate than the one it reports'));
      socket.removeListener('error', fail);
      socket.setTimeout(0);
      resolve(socket);
    });
  });
}

export async function sendTestEmail(mail: TestEmail): Promise<SendOutcome> {
  const socket = await pinnedTls(mail);
  const transport = createTransport({
    host: mail.host,
    port: mail.port,
    secure: true,
    connection: socket,
    secured: true,
    auth: { user: mail.user, pass: mail.password },
    connectionTimeout: mail.timeoutMs,
    greetingTimeout: mail.timeoutMs,
    socketTimeout: mail.timeoutMs,
    logger: false,
  } as Parameters<typeof createTransport>[0]);
  try {
    const info = await transport.sendMail({
      from: mail.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
    });
    const accepted = info.accepted.map(String).includes(mail.to);
    return { accepted, response: info.response };
  } catch (err) {
    const e = err as { response?: string; message?: string };
    return { accepted: false, response: e.response ?? e.message ?? String(err) };
  } finally {
    transport.close();
    socket.destroy();
  }
}
