// App passwords made by the owner's desktop: it opens the recovery wrap itself, wraps K under a
// password it generated and uploads only that wrap, so no mailbox password is needed and the
// server never sees K or the new password.
//   POST /v1/mailboxes/:mailbox/app-password-wraps {id, label, wrap}  201 { id, label, createdAt }
// `id` is chosen by the desktop (12 hex digits, as the server's own) because the wrap is bound to it.
import type { PasswordWrap } from '../../crypto/key-wraps.ts';
import { validateKdfParams } from '../../crypto/password-kdf.ts';
import { normalizeAddress } from '../../domain/directory.ts';
import { ConfigError, type MailboxRecord } from '../../storage/config-store.ts';
import { ApiError, invalid, notFound } from '../api-error.ts';
import type { ControlDeps } from '../control-deps.ts';
import type { Router } from '../router.ts';
import { int, object, oneOf, parseBody, str } from '../validate.ts';

const base64 = str({ max: 4096, pattern: /^[A-Za-z0-9+/]+={0,2}$/, what: 'base64' });
const appPasswordWrap = object({
  id: str({ min: 12, max: 12, pattern: /^[0-9a-f]{12}$/, what: '12 hexadecimal digits' }),
  label: str({ max: 100 }),
  wrap: object({
    v: int({ min: 1, max: 1 }),
    kind: oneOf('app-password'),
    kdf: object({
      alg: oneOf('argon2id'),
      memory: int({ min: 1 }),
      passes: int({ min: 1 }),
      parallelism: int({ min: 1 }),
      salt: base64,
    }),
    ct: base64,
  }),
});

export function registerAppPasswordWrapRoutes(router: Router, deps: ControlDeps): void {
  const { core } = deps;

  const find = (ref: string): MailboxRecord => {
    let m: MailboxRecord | undefined;
    try {
      m = ref.includes('@') ? core.config.findMailbox(normalizeAddress(ref)) : core.config.getMailbox(ref);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
    }
    if (!m) throw notFound('mailbox');
    return m;
  };

  router.post('/v1/mailboxes/:mailbox/app-password-wraps', ({ params, body }) => {
    const m = find(params.mailbox!);
    const input = parseBody(appPasswordWrap, body);
    try {
      validateKdfParams(input.wrap.kdf as PasswordWrap['kdf']);
    } catch {
      throw invalid('wrap.kdf parameters are too weak or out of range');
    }
    if (core.config.getWrap(m.id, 'app-password', input.id))
      throw new ApiError(409, 'EXISTS', 'an app password with this id exists');
    core.config.putWrap(m.id, 'app-password', input.id, input.wrap as PasswordWrap, input.label);
    const stored = core.config.getWrap(m.id, 'app-password', input.id)!;
    deps.log.info('control.app_password_added', { mailboxId: m.id, wrapId: input.id, madeBy: 'owner' });
    return {
      status: 201,
      body: { id: input.id, label: input.label, createdAt: new Date(stored.createdAt).toISOString() },
    };
  });
}
