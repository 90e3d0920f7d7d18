/**
 * The recovery kit's passphrase is all that protects every key of every server once the file leaves
 * this computer, so weak ones are refused with a plain reason.
 */
import { FacteurError } from '../../../shared/errors';

export const MIN_PASSPHRASE_LENGTH = 12;

/** Fragments that make a passphrase easy to guess whatever else surrounds them. */
const COMMON = ['password', 'motdepasse', 'passphrase', 'facteur', 'qwerty', 'azerty', 'letmein', 'welcome'];
const SEQUENCES = ['0123456789', 'abcdefghijklmnopqrstuvwxyz', 'qwertyuiop', 'azertyuiop'];

export type WeakReason = 'short' | 'repetitive' | 'sequence' | 'common';

const sentences: Record<WeakReason, string> = {
  short: `use at least ${MIN_PASSPHRASE_LENGTH} characters (a few unrelated words are easiest to remember)`,
  repetitive: 'it repeats the same few characters',
  sequence: 'it is mostly a run of keys or digits in order',
  common: 'it is built on a common word',
};

/** Length of the longest stretch of `text` that also appears in one of the keyboard/alphabet runs. */
function longestRun(text: string): number {
  let best = 0;
  for (let i = 0; i < text.length; i++)
    for (let j = i + best + 1; j <= text.length; j++) {
      const piece = text.slice(i, j);
      if (!SEQUENCES.some((s) => s.includes(piece))) break;
      best = j - i;
    }
  return best;
}

export function weakPassphraseReason(passphrase: string): WeakReason | undefined {
  const chars = [...passphrase.normalize('NFC')];
  if (chars.length < MIN_PASSPHRASE_LENGTH) return 'short';
  const lower = passphrase.toLowerCase();
  if (new Set([...lower]).size < 6) return 'repetitive';
  // What remains once the guessable parts are taken out must still be long enough.
  if (chars.length - longestRun(lower) < 8) return 'sequence';
  const common = COMMON.find((word) => lower.includes(word));
  if (common && chars.length - common.length < 8) return 'common';
  return undefined;
}

export function assertStrongPassphrase(passphrase: string): void {
  const reason = weakPassphraseReason(passphrase);
  if (reason)
    throw new FacteurError('PASSPHRASE_WEAK', `This passphrase is too easy to guess: ${sentences[reason]}.`, {
      reason,
      min: MIN_PASSPHRASE_LENGTH,
    });
}
