// Domains and their DKIM keys.
//   GET    /v1/domains                               { domains: DomainView[] }
//   POST   /v1/domains {name, dkim?=true}            201 { domain, dkim: DkimKeyInfo[] }
//   GET    /v1/domains/:domain                       { domain, dkim }
//   DELETE /v1/domains/:domain                       204 (409 NOT_EMPTY while it has mailboxes)
//   GET    /v1/domains/:domain/dkim                  { keys }
//   POST   /v1/domains/:domain/dkim {algorithms?, selector?, activate?}   201 { keys }
//   POST   /v1/domains/:domain/dkim/:selector/activate                     { key }
//   DELETE /v1/domains/:domain/dkim/:selector       204 (409 ACTIVE_KEY for the active one)
import { SELECTOR_STEM } from '../../dkim/dkim-keys.ts';
import type { DomainRecord } from '../../storage/config-store.ts';
import { ApiError, notFound } from '../api-error.ts';
import type { ControlDeps } from '../control-deps.ts';
import type { Router } from '../router.ts';
import { bool, list, object, oneOf, optional, parseBody, str } from '../validate.ts';

const createDomain = object({ name: str({ max: 253 }), dkim: optional(bool) });
const generateDkim = object({
  algorithms: optional(list(oneOf('rsa', 'ed25519'), { min: 1, max: 2 })),
  selector: optional(
    str({ max: 42, pattern: SELECTOR_STEM, what: 'lower-case letters, digits and hyphens' }),
  ),
  activate: optional(bool),
});

export function registerDomainRoutes(router: Router, deps: ControlDeps): void {
  const { core, dkim } = deps;

  const domainOf = (name: string): DomainRecord => {
    const d = core.config.getDomain(name);
    if (!d) throw notFound('domain');
    return d;
  };
  const view = (d: DomainRecord) => ({
    name: d.name,
    mailboxes: core.config.listMailboxes(d.name).length,
    aliases: core.config.listAliases(d.name).length,
  });

  router.get('/v1/domains', () => ({ body: { domains: core.config.listDomains().map(view) } }));

  router.post('/v1/domains', async ({ body }) => {
    const input = parseBody(createDomain, body);
    const d = core.config.addDomain(input.name);
    deps.log.info('control.domain_added', { domain: d.name });
    const keys = input.dkim === false ? [] : await dkim.generate(d.name);
    return { status: 201, body: { domain: view(d), dkim: keys } };
  });

  router.get('/v1/domains/:domain', async ({ params }) => {
    const d = domainOf(params.domain!);
    return { body: { domain: view(d), dkim: await dkim.list(d.name) } };
  });

  router.delete('/v1/domains/:domain', async ({ params }) => {
    const d = domainOf(params.domain!);
    if (core.config.listMailboxes(d.name).length) {
      throw new ApiError(409, 'NOT_EMPTY', 'delete the mailboxes of this domain first');
    }
    core.config.removeDomain(d.name);
    await dkim.removeDomain(d.name);
    deps.log.info('control.domain_removed', { domain: d.name });
    return {};
  });

  router.get('/v1/domains/:domain/dkim', async ({ params }) => ({
    body: { keys: await dkim.list(domainOf(params.domain!).name) },
  }));

  router.post(
    '/v1/domains/:domain/dkim',
    async ({ params, body }) => {
      const d = domainOf(params.domain!);
      const input = parseBody(generateDkim, body ?? {});
      const keys = await dkim.generate(d.name, {
        ...(input.algorithms ? { algorithms: input.algorithms } : {}),
        ...(input.selector ? { stem: input.selector } : {}),
        ...(input.activate !== undefined ? { activate: input.activate } : {}),
      });
      deps.log.info('control.dkim_generated', { domain: d.name, selectors: keys.map((k) => k.selector) });
      return { status: 201, body: { keys } };
    },
    'optional',
  );

  router.post(
    '/v1/domains/:domain/dkim/:selector/activate',
    async ({ params }) => {
      const d = domainOf(params.domain!);
      const key = await dkim.activate(d.name, params.selector!);
      deps.log.info('control.dkim_activated', { domain: d.name, selector: key.selector });
      return { body: { key } };
    },
    'optional',
  );

  router.delete('/v1/domains/:domain/dkim/:selector', async ({ params }) => {
    const d = domainOf(params.domain!);
    await dkim.remove(d.name, params.selector!);
    deps.log.info('control.dkim_removed', { domain: d.name, selector: params.selector });
    return {};
  });
}
