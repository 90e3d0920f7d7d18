// backup-manifest.json at the root of every snapshot: which mailboxes and domains it holds, so the
// app can show a snapshot's contents (and pick one mailbox to restore) without restoring it.
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigStore } from '../storage/config-store.ts';
import { configDbKeyOf, loadOrCreateServerSecrets } from '../storage/server-secrets.ts';
import type { BackupManifest } from './backup-types.ts';

export const MANIFEST_FILE = 'backup-manifest.json';

/** Mailboxes and domains from the live config DB; sizes of their database files. */
export async function buildManifest(
  dataDir: string,
  stagingDir: string,
  meta: { time: Date; serverVersion: string },
): Promise<BackupManifest> {
  const manifest: BackupManifest = {
    version: 1,
    time: meta.time.toISOString(),
    serverVersion: meta.serverVersion,
    mailboxes: [],
    domains: [],
  };
  let configExists = true;
  try {
    await stat(join(dataDir, 'config.db'));
  } catch {
    configExists = false; // a server not set up yet: nothing to list
  }
  if (!configExists) return manifest;
  const secrets = await loadOrCreateServerSecrets(join(dataDir, 'secrets.json'));
  const key = configDbKeyOf(secrets);
  let config;
  try {
    config = ConfigStore.open(join(dataDir, 'config.db'), key);
  } finally {
    key.fill(0);
  }
  try {
    manifest.domains = config.listDomains().map((d) => d.name);
    for (const m of config.listMailboxes()) {
      let sizeBytes = 0;
      for (const suffix of ['', '-wal']) {
        try {
          sizeBytes += (await stat(join(dataDir, 'mailboxes', `${m.id}.db${suffix}`))).size;
        } catch {
          // never opened yet (no file) or no WAL
        }
      }
      manifest.mailboxes.push({ id: m.id, address: m.address, sizeBytes });
    }
  } finally {
    config.close();
  }
  return manifest;
}

export async function writeManifest(stagingDir: string, manifest: BackupManifest): Promise<void> {
  await writeFile(join(stagingDir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n', { mode: 0o600 });
}

export function parseManifest(text: string): BackupManifest {
  const m = JSON.parse(text) as BackupManifest;
  if (m?.version !== 1 || !Array.isArray(m.mailboxes)) throw new Error('not a backup manifest');
  return m;
}
