// Everything a mailbox needs is derived from its master key K, each with its own HKDF label,
// so one key never serves two algorithms and nothing else has to be stored.
import { hkdfSync } from 'node:crypto';
import { privateKeyFromSeed, type HybridPrivateKey } from './hybrid-kem.ts';

function derive(k: Buffer, label: string): Buffer {
  if (k.length !== 32) throw new Error('mailbox master key must be 32 bytes');
  return Buffer.from(hkdfSync('sha256', k, Buffer.alloc(0), `facteur/mailbox/v1/${label}`, 32));
}

/** Raw 256-bit key for the mailbox's SQLite file. */
export function mailboxDatabaseKey(k: Buffer): Buffer {
  return derive(k, 'sqlite');
}

/** The mailbox's hybrid key pair; its public half (in the config DB) lets SMTP seal to the spool. */
export function mailboxKemKey(k: Buffer): HybridPrivateKey {
  const seed = derive(k, 'kem-seed');
  try {
    return privateKeyFromSeed(seed);
  } finally {
    seed.fill(0);
  }
}
