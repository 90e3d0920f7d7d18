// Turns what goes wrong with an ACME CA into plain words for the owner (control API, desktop app),
// naming the host, the URL the CA tried and what to check. The CA's own text stays at the end, in
// parentheses, for whoever needs the detail.

/** A failure the owner can act on; `message` is the plain-words text. */
export class CertificateError extends Error {
  override name = 'CertificateError';
  readonly kind: CertificateErrorKind;
  /** What the CA or the network said, verbatim. */
  readonly detail: string;
  constructor(kind: CertificateErrorKind, message: string, detail: string) {
    super(message);
    this.kind = kind;
    this.detail = detail;
  }
}

export type CertificateErrorKind =
  | 'ca_unreachable' // the server could not talk to the CA
  | 'ca_untrusted' // the CA's own HTTPS certificate is not trusted
  | 'dns' // the CA found no (or a wrong) DNS record for a name
  | 'unreachable' // the CA could not connect to port 80
  | 'wrong_answer' // something else answered on port 80
  | 'caa' // a CAA record forbids this CA
  | 'rate_limited'
  | 'rejected' // the CA refuses the name or the account
  | 'other';

const NET_CODES =
  /\b(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ECONNABORTED|socket hang up)\b/i;
const TLS_UNTRUSTED =
  /self[- ]signed|unable to (get|verify)|UNABLE_TO_VERIFY_LEAF_SIGNATURE|DEPTH_ZERO_SELF_SIGNED|CERT_HAS_EXPIRED|ERR_TLS_CERT_ALTNAME_INVALID|certificate/i;

const detailOf = (err: unknown): string => {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
};

/** While talking to the CA itself (directory, account, order, finalize, download). */
export function explainCaError(err: unknown, directoryUrl: string): CertificateError {
  if (err instanceof CertificateError) return err;
  const detail = detailOf(err);
  let host = directoryUrl;
  try {
    host = new URL(directoryUrl).host;
  } catch {
    /* keep the raw text */
  }
  // acme-client's retry interceptor fails with this TypeError when a request never got an answer.
  if (NET_CODES.test(detail) || /reading 'config'/.test(detail)) {
    return new CertificateError(
      'ca_unreachable',
      `The server could not reach the certificate authority at ${host}: check the server's outbound internet access (HTTPS) and its DNS resolver (${detail}).`,
      detail,
    );
  }
  if (TLS_UNTRUSTED.test(detail) && !/urn:ietf:params:acme/.test(detail)) {
    return new CertificateError(
      'ca_untrusted',
      `The certificate authority at ${host} presented an HTTPS certificate this server does not trust: for a private or test CA, set acme.caCertFile to its CA certificate (${detail}).`,
      detail,
    );
  }
  return (
    classifyProblem(detail, undefined, undefined) ??
    new CertificateError('other', `The certificate authority refused the request (${detail}).`, detail)
  );
}

/** While the CA validates one name over HTTP-01. */
export function explainChallengeError(err: unknown, name: string, token: string): CertificateError {
  if (err instanceof CertificateError) return err;
  const detail = detailOf(err);
  const url = `http://${name}/.well-known/acme-challenge/${token}`;
  return (
    classifyProblem(detail, name, url) ??
    new CertificateError(
      'unreachable',
      `The certificate authority could not check ${url}: check the A/AAAA records of ${name} and that port 80 is open (${detail}).`,
      detail,
    )
  );
}

function classifyProblem(
  detail: string,
  name: string | undefined,
  url: string | undefined,
): CertificateError | undefined {
  const d = detail;
  const subject = name ?? 'a host name';
  if (/rateLimited|rate limit|too many/i.test(d)) {
    return new CertificateError(
      'rate_limited',
      `The certificate authority's rate limit was reached: the server will try again later on its own; avoid repeated manual requests (${d}).`,
      d,
    );
  }
  if (/\bCAA\b/.test(d)) {
    return new CertificateError(
      'caa',
      `A CAA record of ${subject} does not allow this certificate authority: add one for it in the DNS wizard or remove the old CAA records (${d}).`,
      d,
    );
  }
  if (/rejectedIdentifier|policy forbids|not a valid|malformed.*identifier|invalid identifier/i.test(d)) {
    return new CertificateError(
      'rejected',
      `The certificate authority will not issue a certificate for ${subject}: check the spelling of the name, and that it is a public domain (${d}).`,
      d,
    );
  }
  if (
    /NXDOMAIN|SERVFAIL|DNS problem|no valid (A|AAAA)|no such host|Error (looking up|resolving)|lookup .* (no such host|server misbehaving)|could not resolve/i.test(
      d,
    )
  ) {
    return new CertificateError(
      'dns',
      `The certificate authority could not find ${subject} in the DNS: add its A (and AAAA) record pointing to this server, wait for it to propagate, then try again (${d}).`,
      d,
    );
  }
  if (
    /unauthorized|Invalid response|incorrect|does not match|404|403|key authorization/i.test(d) &&
    !NET_CODES.test(d) &&
    !/connection refused|timeout|timed out/i.test(d)
  ) {
    return new CertificateError(
      'wrong_answer',
      `Something other than this server answered ${url ?? 'the challenge'}: check that the A/AAAA records of ${subject} point to this server and that no other web server or proxy takes port 80 (${d}).`,
      d,
    );
  }
  if (url && /connection refused|refused|timeout|timed out|unreachable|reset|dial tcp|connect/i.test(d)) {
    return new CertificateError(
      'unreachable',
      `The certificate authority could not reach ${url}: check the A/AAAA records of ${subject} and that port 80 is open in the firewall (${d}).`,
      d,
    );
  }
  return undefined;
}
