import { execFileSync } from 'node:child_process';

/** The host key fingerprint as OpenSSH's own tools see it (independent of Facteur's code). */
export function scanFingerprint(host: string, port = 22): string {
  const out = execFileSync('bash', [
    '-c',
    `ssh-keyscan -T 5 -t ed25519 -p ${port} ${host} 2>/dev/null | ssh-keygen -lf -`,
  ]).toString();
  const match = /SHA256:[A-Za-z0-9+/]{43}/.exec(out);
  if (!match) throw new Error(`ssh-keyscan found no key at ${host}:${port}`);
  return match[0];
}
