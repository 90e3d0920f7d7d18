import { randomBytes } from 'node:crypto';
import type { ParsedRequest, ServerProfile } from '../../../shared/contract';
import { FacteurError } from '../../../shared/errors';
import type { DesktopConfig } from '../../config';
import { DockerClient } from '../docker/docker-client';
import {
  connectSsh,
  generateEd25519KeyPair,
  scanHostKey,
  validatePrivateKey,
  type HostKey,
  type SshConnection,
  type SshCredentials,
} from '../ssh/ssh-client';
import type { Vault } from '../vault/vault';
import { factsScript, parseFacts } from './server-facts';
import type { ServerStore } from './server-store';

interface StoredCredentials {
  privateKey: string;
  passphrase?: string;
}

const credentialsKey = (id: string): string => `server:${id}:ssh`;

/** Adding, checking and forgetting servers: trust on first use, then strict host key checks. */
export class ServerService {
  constructor(
    private readonly store: ServerStore,
    private readonly vault: Vault,
    private readonly config: DesktopConfig,
    private readonly now: () => Date = () => new Date(),
  ) {}

  list(): Promise<ServerProfile[]> {
    return this.store.list();
  }

  scanHostKey(request: ParsedRequest<'scanHostKey'>): Promise<HostKey> {
    return scanHostKey(request, this.config.ssh);
  }

  async add(request: ParsedRequest<'addServer'>): Promise<ServerProfile> {
    const target = { host: request.host, port: request.port, user: request.user };
    let credentials: StoredCredentials;
    if (request.auth.kind === 'privateKey') {
      validatePrivateKey(request.auth.privateKey, request.auth.passphrase);
      credentials = { privateKey: request.auth.privateKey, passphrase: request.auth.passphrase };
    } else {
      // The password is used once, to install a key Facteur generates; it is never stored.
      credentials = await this.installGeneratedKey(
        target,
        request.auth.password,
        request.confirmedFingerprint,
      );
    }
    const conn = await connectSsh(
      target,
      credentials,
      { fingerprint: request.confirmedFingerprint },
      this.config.ssh,
    );
    try {
      const existing = (await this.store.list()).find(
        (s) => s.host === target.host && s.port === target.port && s.user === target.user,
      );
      const profile: ServerProfile = {
        id: existing?.id ?? `srv_${randomBytes(6).toString('hex')}`,
        name: request.name?.trim() || existing?.name || target.host,
        ...target,
        hostKeyFingerprint: request.confirmedFingerprint,
        addedAt: existing?.addedAt ?? this.now().toISOString(),
        facts: await this.gatherFacts(conn),
      };
      await this.vault.set(credentialsKey(profile.id), credentials);
      await this.store.put(profile);
      return profile;
    } finally {
      conn.close();
    }
  }

  async check(id: string): Promise<ServerProfile> {
    const profile = await this.get(id);
    const conn = await this.connect(profile);
    try {
      const updated = { ...profile, facts: await this.gatherFacts(conn) };
      await this.store.put(updated);
      return updated;
    } finally {
      conn.close();
    }
  }

  async remove(id: string): Promise<boolean> {
    await this.vault.delete(credentialsKey(id));
    return this.store.remove(id);
  }

  /** An authenticated connection to a saved server, refusing a changed host key. */
  async connect(profile: ServerProfile): Promise<SshConnection> {
    const credentials = await this.vault.get<StoredCredentials>(credentialsKey(profile.id));
    if (!credentials)
      throw new FacteurError('NOT_FOUND', `Facteur has no key for ${profile.name}: add the server again.`);
    return connectSsh(profile, credentials, { fingerprint: profile.hostKeyFingerprint }, this.config.ssh);
  }

  /** A saved server, or a plain NOT_FOUND. */
  async get(id: string): Promise<ServerProfile> {
    const profile = await this.store.get(id);
    if (!profile) throw new FacteurError('NOT_FOUND', 'This server is not in Facteur any more.', { id });
    return profile;
  }

  private async installGeneratedKey(
    target: { host: string; port: number; user: string },
    password: string,
    fingerprint: string,
  ): Promise<StoredCredentials> {
    const pair = generateEd25519KeyPair(`facteur@${target.host}`);
    const conn = await connectSsh(
      target,
      { password } satisfies SshCredentials,
      { fingerprint },
      this.config.ssh,
    );
    try {
      // Appends the key once (idempotent), with the permissions sshd insists on.
      const script =
        'umask 077; mkdir -p ~/.ssh && touch ~/.ssh/authorized_keys && chmod 700 ~/.ssh && chmod 600 ~/.ssh/authorized_keys && ' +
        'read -r key && (grep -qxF "$key" ~/.ssh/authorized_keys || printf "%s\\n" "$key" >> ~/.ssh/authorized_keys)';
      const result = await conn.exec(script, {
        stdin: pair.publicKey.trim() + '\n',
        timeoutMs: this.config.ssh.commandMs,
      });
      if (result.code !== 0) {
        throw new FacteurError(
          'COMMAND_FAILED',
          `Facteur could not install its key on ${target.host}: ${result.stderr.trim() || 'unknown error'}`,
        );
      }
    } finally {
      conn.close();
    }
    return { privateKey: pair.privateKey };
  }

  private async gatherFacts(conn: SshConnection): Promise<ServerProfile['facts']> {
    const result = await conn.exec(factsScript, { timeoutMs: this.config.ssh.commandMs });
    // Docker absent or not reachable for this user gives null: preflight explains later.
    const dockerVersion = await new DockerClient(conn).version().then(
      (v) => v.version,
      () => null,
    );
    return parseFacts(result, dockerVersion, this.now());
  }
}
