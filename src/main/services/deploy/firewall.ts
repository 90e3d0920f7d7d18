/**
 * Opens the mail ports in the server's firewall when it uses ufw. The SSH port is allowed first,
 * before anything else changes, so the owner can never be locked out; only the stack's public
 * ports are opened (the control API and Redis stay on loopback and are never listed).
 */
import { FacteurError } from '../../../shared/errors';
import { shq, type RemoteShell } from '../stack/remote-shell';

export interface FirewallResult {
  tool: 'ufw' | 'none';
  openedPorts: number[];
}

export async function openMailPorts(
  root: RemoteShell,
  sshPort: number,
  ports: number[],
  timeoutMs: number,
): Promise<FirewallResult> {
  const which = await root.exec('command -v ufw || true', { timeoutMs });
  if (!which.stdout.trim()) return { tool: 'none', openedPorts: [] };
  const rules = [sshPort, ...ports.filter((p) => p !== sshPort)]
    .map(
      (p) => `ufw allow ${p}/tcp comment ${shq(p === sshPort ? 'SSH (Facteur)' : 'Facteur mail')} >/dev/null`,
    )
    .join(' && ');
  const res = await root.exec(`set -e; ${rules}; ufw --force enable >/dev/null; ufw status`, { timeoutMs });
  if (res.code !== 0) {
    throw new FacteurError(
      'COMMAND_FAILED',
      `Facteur could not open the mail ports in the server's firewall (ufw): ${(res.stderr || res.stdout).trim().slice(-400)}`,
    );
  }
  const open = new Set([...res.stdout.matchAll(/^(\d+)\/tcp\s+ALLOW/gm)].map((m) => Number(m[1])));
  const missing = [sshPort, ...ports].filter((p) => !open.has(p));
  if (missing.length) {
    throw new FacteurError(
      'COMMAND_FAILED',
      `The server's firewall (ufw) still blocks port ${missing.join(', ')} after Facteur allowed it.`,
    );
  }
  return { tool: 'ufw', openedPorts: ports };
}
