/** What the stack's code needs from a server's shell (SshConnection, or a root shell through sudo). */
export interface RemoteShell {
  exec(
    command: string,
    options?: { stdin?: string; timeoutMs?: number },
  ): Promise<{ code: number; stdout: string; stderr: string }>;
}

/** Single-quotes a string for sh. */
export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
