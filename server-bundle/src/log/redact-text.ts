// Second line of defence for log lines shown to the owner: the logger already drops secret-named
// fields (log/logger.ts), but free text (an error message echoing input, a library's message)
// could still carry a credential. These patterns mask what such text typically contains.
const PATTERNS: Array<[RegExp, string]> = [
  [
    /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g,
    '[redacted private key]',
  ],
  [/\bBearer\s+[^\s"',;]+/gi, 'Bearer [redacted]'],
  [/\bfct_[A-Za-z0-9_-]+/g, '[redacted]'],
  [/\bAUTH\s+(PLAIN|LOGIN|XOAUTH2|CRAM-MD5)\s+\S+/gi, 'AUTH $1 [redacted]'],
  [/\b(LOGIN)\s+("[^"]*"|\S+)\s+("[^"]*"|\S+)/g, '$1 [redacted]'],
  [/\b(PASS|APOP)\s+\S+.*$/gm, '$1 [redacted]'],
  [
    /\b(pass(?:word|wd|phrase)?|pwd|secret|token|api[_-]?key|private[_-]?key|auth(?:orization)?)(["']?\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s&,;"']+)/gi,
    '$1$2[redacted]',
  ],
  // Long high-entropy runs (keys, tokens, base64 blobs): mixed case and digits, 40+ characters.
  [/[A-Za-z0-9+/_=-]{40,}/g, '\u0000'],
];

function highEntropy(run: string): boolean {
  return /[A-Z]/.test(run) && /[a-z]/.test(run) && /[0-9]/.test(run);
}

export function redactText(text: string): string {
  let out = text;
  for (const [re, replacement] of PATTERNS) {
    out =
      replacement === '\u0000'
        ? out.replace(re, (run) => (highEntropy(run) ? '[redacted]' : run))
        : out.replace(re, replacement);
  }
  return out;
}

/** Applies redactText to every string inside a parsed log entry. */
export function redactStrings(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactStrings(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = redactStrings(v, depth + 1);
  return out;
}
