// Administration straight on the data directory (development and tests; the desktop app goes
// through the control API). Mailbox creation needs the owner's recovery public key: without one,
// a development key pair is written next to the data directory, with a warning.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKeyPair } from '../crypto/hybrid-kem.ts';
import { MailCore } from '../domain/mail-core.ts';
import { ConfigError, type ServerConfig } from './server-config.ts';

export interface AdminInput {
  password?: string;
  quotaBytes?: number;
  recoveryPublicKey?: Uint8Array;
}

export async function runAdmin(config: ServerConfig, args: string[], input: AdminInput): Promise<void> {
  const [verb, ...rest] = args;
  const core = await MailCore.open({ dataDir: config.dataDir });
  try {
    switch (verb) {
      case 'add-domain': {
        if (!rest[0]) throw new ConfigError('admin add-domain NAME');
        core.config.addDomain(rest[0]);
        break;
      }
      case 'add-mailbox': {
        if (!rest[0] || !input.password) throw new ConfigError('admin add-mailbox ADDRESS --password-stdin');
        const recoveryPublicKey = input.recoveryPublicKey ?? (await devRecoveryKey(config));
        const mb = await core.accounts.createMailbox({
          address: rest[0],
          password: input.password,
          recoveryPublicKey,
          quotaBytes: input.quotaBytes ?? null,
        });
        process.stdout.write(`${JSON.stringify({ id: mb.id, address: mb.address })}\n`);
        break;
      }
      case 'add-alias': {
        if (!rest[0] || rest.length < 2) throw new ConfigError('admin add-alias ADDRESS DESTINATION...');
        core.config.setAlias(rest[0], rest.slice(1));
        break;
      }
      case 'list': {
        const out = {
          domains: core.config.listDomains().map((d) => d.name),
          mailboxes: core.config
            .listMailboxes()
            .map((m) => ({ id: m.id, address: m.address, quotaBytes: m.quotaBytes })),
          aliases: core.config.listAliases(),
        };
        process.stdout.write(JSON.stringify(out, null, 2) + '\n');
        break;
      }
      default:
        throw new ConfigError(`unknown admin command "${verb ?? ''}"`);
    }
  } finally {
    core.close();
  }
}

async function devRecoveryKey(config: ServerConfig): Promise<Uint8Array> {
  const pair = generateKeyPair();
  const path = join(config.dataDir, '..', `${config.hostname}.owner-recovery.key`);
  await writeFile(path, Buffer.from(pair.bytes), { mode: 0o600 });
  process.stderr.write(
    `warning: no --recovery-public-key given; a development recovery key was written to ${path}. Keep it away from the server in production.\n`,
  );
  return pair.publicKey.bytes;
}
