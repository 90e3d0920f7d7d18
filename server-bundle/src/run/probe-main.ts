// Commands that must start fast and load none of the mail stack. main.ts hands them here, and the
// image bundles this module alone as facteur-probe.mjs, which its entrypoint runs for them.
//   health ROLE... [--timeout-ms N]   exit 0 when every role answers its protocol, 1 otherwise
//   redis-config                   print the redis role's redis.conf (creates DATA/redis)
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { checkHealth, redisConfig } from './health.ts';
import { ConfigError, loadConfigFile, resolveConfig, type ServerConfig } from './server-config.ts';

/** --config, else $FACTEUR_CONFIG when that file exists (the image sets it; `init` runs before it exists). */
export function configPathOf(flag: string | undefined): string | undefined {
  if (flag) return flag;
  const env = process.env.FACTEUR_CONFIG;
  return env && existsSync(env) ? env : undefined;
}

export async function probeMain(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { config: { type: 'string' }, data: { type: 'string' }, 'timeout-ms': { type: 'string' } },
  });
  const configPath = configPathOf(values.config);
  const flags: Partial<ServerConfig> = values.data ? { dataDir: values.data } : {};
  const config = resolveConfig(configPath ? await loadConfigFile(configPath) : undefined, flags);
  const [command, ...roles] = positionals;
  if (command === 'health') {
    if (roles.length === 0) throw new ConfigError('facteur-server health ROLE...');
    const lines = await checkHealth(config, roles, Number(values['timeout-ms'] ?? 5000));
    process.stdout.write(lines.map((l) => `${l}\n`).join(''));
    return;
  }
  if (command === 'redis-config') {
    await mkdir(join(config.dataDir, 'redis'), { recursive: true, mode: 0o700 });
    process.stdout.write(await redisConfig(config));
    return;
  }
  throw new ConfigError(`unknown command "${command ?? ''}" (health ROLE | redis-config)`);
}
