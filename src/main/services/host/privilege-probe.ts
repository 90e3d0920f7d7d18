/**
 * How the SSH user can become root, read in one round trip: root already, sudo without a password,
 * sudo with one, or not at all; and whether it may open Docker's socket itself (docker group).
 */
import type { ServerAccess } from '../../../shared/deploy';
import { FacteurError } from '../../../shared/errors';
import type { SshConnection } from '../ssh/ssh-client';

export const DOCKER_SOCKET = '/var/run/docker.sock';

export interface PrivilegeProbe {
  /** Never 'password-known': that depends on what this run of Facteur remembers. */
  privileges: Exclude<ServerAccess['privileges'], 'password-known'>;
  /** The user can read and write Docker's socket without sudo. */
  dockerSocketUsable: boolean;
}

// The same sudo test as preflight's probe, so both tell the owner the same thing.
const script = [
  'echo "uid=$(id -u)"',
  'if [ "$(id -u)" != 0 ]; then if sudo -n true 2>/dev/null; then echo sudo=nopasswd; elif command -v sudo >/dev/null; then echo sudo=password; else echo sudo=none; fi; fi',
  `if [ -r ${DOCKER_SOCKET} ] && [ -w ${DOCKER_SOCKET} ]; then echo docker_socket=usable; fi`,
].join('\n');

export async function probePrivileges(conn: SshConnection, timeoutMs: number): Promise<PrivilegeProbe> {
  const result = await conn.exec(script, { timeoutMs });
  const values = new Map(
    result.stdout
      .split('\n')
      .map((line) => line.trim().split('=', 2) as [string, string?])
      .filter((kv): kv is [string, string] => kv[1] !== undefined),
  );
  const uid = values.get('uid');
  if (result.code !== 0 || !uid)
    throw new FacteurError(
      'COMMAND_FAILED',
      `Facteur could not tell whether it may administer the server: ${result.stderr.trim() || 'no answer'}.`,
    );
  const dockerSocketUsable = uid === '0' || values.get('docker_socket') === 'usable';
  if (uid === '0') return { privileges: 'root', dockerSocketUsable };
  const sudo = values.get('sudo');
  const privileges =
    sudo === 'nopasswd' ? 'passwordless' : sudo === 'password' ? 'password-needed' : 'unavailable';
  return { privileges, dockerSocketUsable };
}
