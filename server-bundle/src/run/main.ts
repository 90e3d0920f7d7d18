// facteur-server: the one entry point of the server image.
//   init   prepare the data directory (secrets, encrypted config DB, TLS) once, before any role
//   role   run one or more roles in this process
//   stack  run the whole stack as separate role processes (+ Redis) for development and tests
//   admin  domains, mailboxes and aliases, straight on the data directory
//   control-token  issue a new control API token (printed once; the previous one stops working)
//   backup  backups of the data directory with restic (src/backup/backup-cli.ts)
import { parseArgs } from 'node:util';
import { readFile } from 'node:fs/promises';
import { startRoleHeartbeats } from '../metrics/heartbeat.ts';
import { SERVER_VERSION } from '../version.ts';
import { configPathOf, probeMain } from './probe-main.ts';
import { openRoleContext } from './role-context.ts';
import { roleStarters, type RunningRole } from './roles.ts';
import {
  ConfigError,
  loadConfigFile,
  resolveConfig,
  ROLES,
  type RoleName,
  type ServerConfig,
} from './server-config.ts';
import type { RoleHandle } from '../protocols/listeners.ts';

const usage = `facteur-server <command> [options]

  init                      prepare the data directory (secrets, config database, TLS)
  role ROLE...              run roles in this process: ${ROLES.join(', ')}
  stack                     run every role as its own process, plus Redis (development, tests)
  admin add-domain NAME
  admin add-mailbox ADDRESS --password-stdin [--quota BYTES] [--recovery-public-key FILE]
  admin add-alias ADDRESS DESTINATION...
  admin list
  control-token             issue a new control API token, print it (the previous one stops working)
  certificate request [--force]  ask the jobs role for an ACME certificate (now; --force: even if valid)
  certificate status        the certificate every role presents, and the last ACME error
  backup run | list | check [--read-data SUBSET] | contents --snapshot ID
  backup restore --snapshot ID [--mailbox ADDRESS]   (the roles that open mailboxes stopped)
  backup init-repo          settings and key as JSON on stdin: {"settings": ..., "key": ...}
  backup verify-mailbox --mailbox ADDRESS            mailbox key K (hex) on stdin

Options (override the config file):
  --config FILE       JSON configuration (see src/run/server-config.ts for every setting;
                      default: $FACTEUR_CONFIG if that file exists, as in the image)
  --data DIR          data directory
  --address ADDR      listen address (repeatable; default '::', IPv6 and IPv4)
  --port-offset N     added to every port (e.g. 10000: MX on 10025, IMAP on 10143)
  --hostname NAME     greeting and certificate name
  --redis-url URL     Redis (stack starts its own when omitted)
`;

async function main(argv: string[]): Promise<void> {
  if (argv[0] === 'health' || argv[0] === 'redis-config') return probeMain(argv);
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      config: { type: 'string' },
      data: { type: 'string' },
      address: { type: 'string', multiple: true },
      'port-offset': { type: 'string' },
      hostname: { type: 'string' },
      'redis-url': { type: 'string' },
      'password-stdin': { type: 'boolean' },
      quota: { type: 'string' },
      'recovery-public-key': { type: 'string' },
      force: { type: 'boolean' },
      snapshot: { type: 'string' },
      mailbox: { type: 'string' },
      'read-data': { type: 'string' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    process.stdout.write(usage);
    return;
  }
  const configPath = configPathOf(values.config);
  const fromFile = configPath ? await loadConfigFile(configPath) : undefined;
  const flags: Record<string, unknown> = {};
  if (values.data) flags.dataDir = values.data;
  if (values.address) flags.listen = values.address;
  if (values['port-offset']) flags.portOffset = Number(values['port-offset']);
  if (values.hostname) flags.hostname = values.hostname;
  if (values['redis-url']) flags.redis = { url: values['redis-url'] };
  const config = resolveConfig(fromFile, flags);

  // Commands other than `role` are imported when used (as roles are, see roles.ts): a role process
  // of the server image loads only its own code.
  switch (command) {
    case 'init':
      await (await import('./stack.ts')).prepareDataDir(config);
      return;
    case 'role':
      return runRoles(config, rest);
    case 'stack':
      return (await import('./stack.ts')).runStack(config, {
        startRedis: !values['redis-url'] && !(fromFile as { redis?: unknown } | undefined)?.redis,
      });
    case 'control-token':
      process.stdout.write(
        (await (await import('../control/issue-token.ts')).issueControlToken(config.dataDir)) + '\n',
      );
      return;
    case 'certificate':
      return (await import('../acme/certificate-cli.ts')).runCertificateCommand(config, rest, {
        force: values.force,
      });
    case 'backup':
      return (await import('../backup/backup-cli.ts')).runBackupCommand(config.dataDir, rest, {
        snapshot: values.snapshot,
        mailbox: values.mailbox,
        readData: values['read-data'],
        stdin: readStdin,
        serverVersion: SERVER_VERSION,
      });
    case 'admin':
      return (await import('./admin.ts')).runAdmin(config, rest, {
        password: values['password-stdin'] ? (await readStdin()).replace(/\r?\n$/, '') : undefined,
        quotaBytes: values.quota ? Number(values.quota) : undefined,
        recoveryPublicKey: values['recovery-public-key']
          ? await readFile(values['recovery-public-key'])
          : undefined,
      });
    default:
      throw new ConfigError(`unknown command "${command}"`);
  }
}

async function runRoles(config: ServerConfig, names: string[]): Promise<void> {
  if (names.length === 0 || !names.every((n): n is RoleName => (ROLES as readonly string[]).includes(n))) {
    throw new ConfigError(`say which roles to run: ${ROLES.join(', ')}`);
  }
  const ctx = await openRoleContext(config, names.join('+'));
  const running: Array<RunningRole | RoleHandle> = [];
  for (const name of names) running.push(await roleStarters[name](ctx));
  const addresses = running.flatMap((r) => r.addresses.map((a) => ({ address: a.address, port: a.port })));
  // Liveness and restart counts for the health endpoint and the metrics (metrics/heartbeat.ts).
  const heartbeats = await startRoleHeartbeats(ctx.redis, names, {
    intervalMs: config.heartbeatMs,
    version: SERVER_VERSION,
    log: ctx.log,
  });
  ctx.log.info('role.ready', { roles: names, addresses });
  process.send?.({ ready: true, roles: names, addresses });
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    ctx.log.info('role.stopping', { roles: names });
    await heartbeats.stop();
    await Promise.allSettled(running.map((r) => r.close()));
    await ctx.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  process.on('disconnect', () => void stop()); // the supervisor went away
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`facteur-server: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(err instanceof ConfigError ? 2 : 1);
});
