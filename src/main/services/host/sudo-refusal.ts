/** sudo's complaints (stderr) turned into a sentence for the owner. */
import type { ServerProfile } from '../../../shared/contract';
import { FacteurError } from '../../../shared/errors';

export function sudoRefusal(profile: Pick<ServerProfile, 'user' | 'name'>, stderr: string): FacteurError {
  if (/not in the sudoers|not allowed to/i.test(stderr))
    return new FacteurError(
      'COMMAND_FAILED',
      `"${profile.user}" is not allowed to use sudo on ${profile.name}. ` +
        'Add the server again with the root user, or add this user to the sudo group.',
      { user: profile.user },
    );
  if (/incorrect password|try again|no password was provided|authentication failure/i.test(stderr))
    return new FacteurError(
      'AUTH_FAILED',
      `${profile.name} refused this sudo password for "${profile.user}". Facteur did not keep it: check it and try again.`,
      { user: profile.user },
    );
  const detail = stderr.trim().split('\n').slice(-3).join(' ').slice(0, 300);
  return new FacteurError(
    'COMMAND_FAILED',
    `sudo failed on ${profile.name}${detail ? `: ${detail}` : ''}. Check that "${profile.user}" may use sudo there.`,
    { user: profile.user },
  );
}
