/**
 * What Facteur remembers about the stack it deployed on a server, kept in the vault (it holds the
 * control API token): written by the deploy step, read by everything that talks to the stack.
 */
import { FacteurError } from '../../../shared/errors';
import type { Vault } from '../vault/vault';

export interface DeploymentRecord {
  version: string;
  imageId: string;
  hostname: string;
  domain: string;
  /** The control API's port on the server's loopback (reached through the SSH connection). */
  controlPort: number;
  controlToken: string;
  deployedAt: string;
}

const key = (serverId: string): string => `deployment:${serverId}`;

export function readDeployment(vault: Vault, serverId: string): Promise<DeploymentRecord | undefined> {
  return vault.get<DeploymentRecord>(key(serverId));
}

/** The record, or a plain NOT_DEPLOYED error telling the owner to deploy first. */
export async function requireDeployment(vault: Vault, serverId: string): Promise<DeploymentRecord> {
  const record = await readDeployment(vault, serverId);
  if (!record) {
    throw new FacteurError(
      'NOT_DEPLOYED',
      'Facteur has not installed the mail server on this server yet: run the deploy step first.',
    );
  }
  return record;
}

export function writeDeployment(vault: Vault, serverId: string, record: DeploymentRecord): Promise<void> {
  return vault.set(key(serverId), record);
}

export function forgetDeployment(vault: Vault, serverId: string): Promise<void> {
  return vault.delete(key(serverId));
}
