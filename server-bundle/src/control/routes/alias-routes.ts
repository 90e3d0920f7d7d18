// Aliases (forwards to local or remote addresses). '@domain' or '*@domain' is the domain's catch-all.
//   GET    /v1/aliases[?domain=]                    { aliases: AliasView[] }
//   POST   /v1/aliases {address, destinations}      201 { alias }   (409 when it exists)
//   GET    /v1/aliases/:address                     { alias }
//   PUT    /v1/aliases/:address {destinations}      { alias }
//   DELETE /v1/aliases/:address                     204
import { normalizeAddress } from '../../domain/directory.ts';
import { ConfigError, type AliasRecord } from '../../storage/config-store.ts';
import { ApiError, invalid, notFound } from '../api-error.ts';
import type { ControlDeps } from '../control-deps.ts';
import type { Router } from '../router.ts';
import { list, object, parseBody, str } from '../validate.ts';

const destinations = list(str({ max: 254 }), { min: 1, max: 100 });
const createAlias = object({ address: str({ max: 254 }), destinations });
const updateAlias = object({ destinations });

/** '@example.com' and '*@example.com' name the catch-all; other addresses are normalized. */
function aliasAddress(input: string): string {
  const a = input.trim();
  if (a.startsWith('@')) return `*${a.toLowerCase()}`;
  if (a.startsWith('*@')) return a.toLowerCase();
  try {
    return normalizeAddress(a);
  } catch {
    throw invalid('address is not an e-mail address');
  }
}

function destinationList(input: string[]): string[] {
  try {
    return input.map((d) => normalizeAddress(d));
  } catch {
    throw invalid('destinations must be e-mail addresses');
  }
}

function view(a: AliasRecord) {
  return { address: a.address, destinations: a.destinations, catchAll: a.address.startsWith('*@') };
}

export function registerAliasRoutes(router: Router, deps: ControlDeps): void {
  const { core } = deps;

  const find = (ref: string): AliasRecord => {
    let a: AliasRecord | undefined;
    try {
      a = core.config.getAlias(aliasAddress(ref));
    } catch (err) {
      if (!(err instanceof ConfigError || err instanceof ApiError)) throw err;
    }
    if (!a) throw notFound('alias');
    return a;
  };

  router.get('/v1/aliases', ({ query }) => ({
    body: { aliases: core.config.listAliases(query.get('domain') ?? undefined).map(view) },
  }));

  router.post('/v1/aliases', ({ body }) => {
    const input = parseBody(createAlias, body);
    const address = aliasAddress(input.address);
    if (core.config.getAlias(address))
      throw new ApiError(409, 'EXISTS', 'this alias exists; PUT changes its destinations');
    const a = core.config.setAlias(address, destinationList(input.destinations));
    deps.log.info('control.alias_set', { alias: a.address, destinations: a.destinations.length });
    return { status: 201, body: { alias: view(a) } };
  });

  router.get('/v1/aliases/:address', ({ params }) => ({ body: { alias: view(find(params.address!)) } }));

  router.put('/v1/aliases/:address', ({ params, body }) => {
    const existing = find(params.address!);
    const input = parseBody(updateAlias, body);
    const a = core.config.setAlias(existing.address, destinationList(input.destinations));
    deps.log.info('control.alias_set', { alias: a.address, destinations: a.destinations.length });
    return { body: { alias: view(a) } };
  });

  router.delete('/v1/aliases/:address', ({ params }) => {
    const a = find(params.address!);
    core.config.removeAlias(a.address);
    deps.log.info('control.alias_removed', { alias: a.address });
    return {};
  });
}
