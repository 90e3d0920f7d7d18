/**
 * The server's automatic OS security updates (Debian's unattended-upgrades): installed when turned
 * on, switched through /etc/apt/apt.conf.d/20auto-upgrades (the file the package's own debconf
 * question writes), and read back from that file. Runs as root over the server's SSH connection.
 */
import { FacteurError } from '../../../shared/errors';
import type { UnattendedUpgradesState } from '../../../shared/upgrade';
import type { RemoteShell } from '../stack/remote-shell';

export const AUTO_UPGRADES_FILE = '/etc/apt/apt.conf.d/20auto-upgrades';

const STATE_SCRIPT =
  `if dpkg-query -W -f='\${Status}' unattended-upgrades 2>/dev/null | grep -q 'install ok installed'; ` +
  `then echo installed=1; else echo installed=0; fi; ` +
  `grep -hs 'APT::Periodic::Unattended-Upgrade' ${AUTO_UPGRADES_FILE} || true`;

export function parseState(out: string): UnattendedUpgradesState {
  const installed = /installed=1/.test(out);
  const m = /APT::Periodic::Unattended-Upgrade\s+"(\d+)"/.exec(out);
  return { installed, enabled: installed && !!m && m[1] !== '0' };
}

export interface AptOptions {
  aptTimeoutMs: number;
  aptLockWaitS: number;
  commandTimeoutMs: number;
}

async function run(shell: RemoteShell, command: string, timeoutMs: number, what: string): Promise<string> {
  const res = await shell.exec(command, { timeoutMs });
  if (res.code !== 0) {
    throw new FacteurError(
      'COMMAND_FAILED',
      `${what} failed on the server (exit ${res.code}): ${(res.stderr || res.stdout).trim().slice(-500)}`,
    );
  }
  return res.stdout;
}

export async function unattendedUpgradesState(
  shell: RemoteShell,
  opts: AptOptions,
): Promise<UnattendedUpgradesState> {
  return parseState(await run(shell, STATE_SCRIPT, opts.commandTimeoutMs, 'Reading the automatic updates'));
}

export async function setUnattendedUpgrades(
  shell: RemoteShell,
  enabled: boolean,
  opts: AptOptions,
): Promise<UnattendedUpgradesState> {
  const before = await unattendedUpgradesState(shell, opts);
  if (enabled && !before.installed) {
    const apt = `DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=${opts.aptLockWaitS}`;
    await run(
      shell,
      `command -v apt-get >/dev/null || { echo 'this server has no apt-get' >&2; exit 3; }; ` +
        `${apt} update && ${apt} install --no-install-recommends unattended-upgrades`,
      opts.aptTimeoutMs,
      'Installing unattended-upgrades',
    );
  }
  if (enabled || before.installed) {
    const flag = enabled ? '1' : '0';
    await run(
      shell,
      `set -eu; umask 022; f=${AUTO_UPGRADES_FILE}; t="$f.facteur-tmp"; ` +
        `printf 'APT::Periodic::Update-Package-Lists "${flag}";\\nAPT::Periodic::Unattended-Upgrade "${flag}";\\n' > "$t"; ` +
        `mv -f "$t" "$f"`,
      opts.commandTimeoutMs,
      'Switching the automatic updates',
    );
  }
  return unattendedUpgradesState(shell, opts);
}
