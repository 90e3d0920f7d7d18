/**
 * A mailbox's first password: generated, shown to the owner once, never stored by Facteur.
 * Four groups of six characters from an alphabet without look-alikes (no 0/O, 1/l/I), easy to
 * type into a phone: 24 × log2(56) ≈ 139 bits.
 */
import { randomInt } from 'node:crypto';

const ALPHABET = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

export function generateMailboxPassword(groups = 4, groupLength = 6): string {
  const group = () =>
    Array.from({ length: groupLength }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
  return Array.from({ length: groups }, group).join('-');
}
