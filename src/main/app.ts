/**
 * The composition root: builds every service from configuration and returns the contract's
 * handlers. Electron, the browser host and the CLI all start here; nothing here imports electron.
 */
import { join } from 'node:path';
import type { Response } from '../shared/contract';
import type { DesktopConfig } from './config';
import type { Handlers } from './ipc/dispatcher';
import { EventBus } from './ipc/events';
import { DnsService } from './services/dns/dns-service';
import { PreflightService } from './services/preflight/preflight-service';
import { ServerService } from './services/servers/server-service';
import { ServerStore } from './services/servers/server-store';
import { FileKeyProvider } from './services/vault/file-key-provider';
import { Vault, type KeyProvider } from './services/vault/vault';

export type Runtime = Response<'appInfo'>['runtime'];

export interface AppOptions {
  config: DesktopConfig;
  runtime: Runtime;
  version: string;
  /** Electron passes a safeStorage-backed provider; elsewhere an owner-only key file is used. */
  keyProvider?: KeyProvider;
}

export interface App {
  handlers: Handlers;
  events: EventBus;
  servers: ServerService;
}

export function createApp(options: AppOptions): App {
  const { config } = options;
  const keys = options.keyProvider ?? new FileKeyProvider(join(config.dataDir, 'vault.key'));
  const vault = new Vault(join(config.dataDir, 'vault.json'), keys);
  const servers = new ServerService(new ServerStore(join(config.dataDir, 'servers.json')), vault, config);
  const preflight = new PreflightService(servers, config);
  const dns = new DnsService(vault, config.dns);
  const events = new EventBus();

  const handlers: Handlers = {
    appInfo: async () => ({ name: 'Facteur', version: options.version, runtime: options.runtime }),
    listServers: () => servers.list(),
    scanHostKey: (req) => servers.scanHostKey(req),
    addServer: (req) => servers.add(req),
    checkServer: (req) => servers.check(req.id),
    removeServer: async (req) => ({ removed: await servers.remove(req.id) }),
    runPreflight: (req) => preflight.run(req.id),
    dnsPlan: async (req) => dns.plan(req),
    dnsCheck: (req) => dns.check(req),
    dnsApply: (req) => dns.apply(req),
    dnsSavedProvider: (req) => dns.savedProvider(req.domain),
  };

  return { handlers, events, servers };
}
