/**
 * argon2id for the desktop. Node 20 and Electron have no argon2, so hash-wasm computes it
 * (this file is its only importer).
 */
import { argon2id as hashWasmArgon2id } from 'hash-wasm';

export interface Argon2idCost {
  /** KiB */
  memory: number;
  passes: number;
  parallelism: number;
}

export async function argon2id(
  password: Buffer,
  salt: Buffer,
  cost: Argon2idCost,
  length: number,
): Promise<Buffer> {
  return Buffer.from(
    await hashWasmArgon2id({
      password,
      salt,
      memorySize: cost.memory,
      iterations: cost.passes,
      parallelism: cost.parallelism,
      hashLength: length,
      outputType: 'binary',
    }),
  );
}
