/**
 * `facteur`: the same services as the app, for scripts and tests. Every call goes through the
 * contract's dispatcher, so the CLI gets exactly the validation and errors the window gets.
 */
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import type { ServerProfile } from '../../shared/contract';
import { FacteurError } from '../../shared/errors';
import { createApp } from '../app';
import { loadConfig } from '../config';
import { createDispatcher, directCaller } from '../ipc/dispatcher';
import { appVersion } from '../version';

const help = `Facteur ${appVersion()} — own your email.

Usage:
  facteur server add --host HOST [--port 22] --user USER (--key FILE | --password-stdin)
                     [--name NAME] [--fingerprint SHA256:... | --yes]
  facteur server list [--json]
  facteur server check SERVER [--json]        SERVER is an id or a name
  facteur --help | --version

Adding a server shows its SSH host key fingerprint and asks you to confirm it (trust on first
use). --fingerprint confirms it non-interactively; --yes accepts whatever the server presents.
With --password-stdin the password is used once to install a key Facteur generates, then forgotten.

Environment: FACTEUR_HOME (data directory), FACTEUR_SSH_READY_MS (connection timeout).
`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean' },
      json: { type: 'boolean' },
      host: { type: 'string' },
      port: { type: 'string' },
      user: { type: 'string' },
      key: { type: 'string' },
      'password-stdin': { type: 'boolean' },
      name: { type: 'string' },
      fingerprint: { type: 'string' },
      yes: { type: 'boolean', short: 'y' },
    },
  });
  if (values.version) return print(appVersion());
  const [noun, verb, arg] = positionals;
  if (values.help || !noun) return print(help);

  const facteur = createApp({ config: loadConfig(), runtime: 'cli', version: appVersion() });
  const call = directCaller(createDispatcher(facteur.handlers));

  if (noun !== 'server')
    throw new FacteurError('VALIDATION', `Unknown command "${noun}". See facteur --help.`);
  switch (verb) {
    case 'list': {
      const servers = await call('listServers', {});
      if (values.json) return print(JSON.stringify(servers, null, 2));
      if (servers.length === 0)
        return print('No servers yet. Add one with: facteur server add --host HOST --user USER --key FILE');
      return print(servers.map(describe).join('\n\n'));
    }
    case 'check': {
      if (!arg) throw new FacteurError('VALIDATION', 'Say which server: facteur server check SERVER');
      const servers = await call('listServers', {});
      const match = servers.find((s) => s.id === arg || s.name === arg || s.host === arg);
      if (!match) throw new FacteurError('NOT_FOUND', `No server called "${arg}". See facteur server list.`);
      const checked = await call('checkServer', { id: match.id });
      return print(values.json ? JSON.stringify(checked, null, 2) : describe(checked));
    }
    case 'add': {
      if (!values.host || !values.user)
        throw new FacteurError('VALIDATION', 'facteur server add needs --host and --user.');
      const port = values.port ? Number(values.port) : 22;
      const auth = values.key
        ? { kind: 'privateKey' as const, privateKey: await readFile(values.key, 'utf8') }
        : values['password-stdin']
          ? { kind: 'password' as const, password: (await readStdin()).replace(/\r?\n$/, '') }
          : undefined;
      if (!auth) throw new FacteurError('VALIDATION', 'Give --key FILE or --password-stdin.');
      const scan = await call('scanHostKey', { host: values.host, port });
      let confirmed = values.fingerprint;
      if (!confirmed) {
        process.stderr.write(`${values.host} presents the ${scan.algorithm} host key ${scan.fingerprint}\n`);
        if (values.yes) confirmed = scan.fingerprint;
        else if (await confirm("Is this your server's key? [y/N] ")) confirmed = scan.fingerprint;
        else
          throw new FacteurError(
            'HOST_KEY_UNCONFIRMED',
            'You did not confirm the host key: nothing was saved.',
          );
      }
      const profile = await call('addServer', {
        host: values.host,
        port,
        user: values.user,
        name: values.name,
        auth,
        confirmedFingerprint: confirmed,
      });
      return print(values.json ? JSON.stringify(profile, null, 2) : `Added.\n${describe(profile)}`);
    }
    default:
      throw new FacteurError('VALIDATION', `Unknown command "server ${verb ?? ''}". See facteur --help.`);
  }
}

function describe(s: ServerProfile): string {
  const gib = (n: number): string => `${(n / 1024 ** 3).toFixed(1)} GiB`;
  const f = s.facts;
  return [
    `${s.name}  (${s.id})`,
    `  ${s.user}@${s.host}:${s.port}  host key ${s.hostKeyFingerprint}`,
    f
      ? `  ${f.os}, ${f.arch}, ${gib(f.ramBytes)} RAM, ${gib(f.diskFreeBytes)} free of ${gib(f.diskTotalBytes)}, Docker ${f.dockerVersion ?? 'not found'}`
      : '  not checked yet',
  ].join('\n');
}

function print(text: string): number {
  process.stdout.write(text.endsWith('\n') ? text : text + '\n');
  return 0;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const code = err instanceof FacteurError ? err.code : 'ERROR';
    process.stderr.write(`facteur: ${err instanceof Error ? err.message : String(err)} [${code}]\n`);
    process.exit(err instanceof FacteurError && err.code === 'VALIDATION' ? 2 : 1);
  },
);
