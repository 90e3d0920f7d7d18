// App passwords made by the owner's desktop: it opens the recovery wrap itself, wraps K under a
// password it generated and uploads only that wrap, so no mailbox password is needed and the
// server never sees K or the new password.
//   POST /v1/mailboxes/:mailbox/app-password-wraps {id, label, wrap}  201 { id, label, createdAt }
// `id` is chosen by the desktop (12 hex digits, as the server's own) because the wrap is bound to it.
import type { PasswordWrap } from '../../crypto/key-wraps.ts';
import { validateKdfParams } from '../../crypto/password-kdf.ts';
import { ApiError, invalid } from '../api-error.ts';
import type { ControlDeps } from '../control-deps.ts';
import type { Router } from '../router.ts';
import { object, parseBody, str } from '../validate.ts';
import { mailboxByRef, passwordWrapSchema } from './mailbox-routes.ts';

const appPasswordWrap = object({
  id: str({ min: 12, max: 12, pattern: /^[0-9a-f]{12}$/, what: '12 hexadecimal digits' }),
  label: str({ max: 100 }),
  wrap: passwordWrapSchema('app-password'),
});

export function registerAppPasswordWrapRoutes(router: Router, deps: ControlDeps): void {
  const { core } = deps;

  router.post('/v1/mailboxes/:mailbox/app-password-wraps', ({ params, body }) => {
    const m = mailboxByRef(core, params.mailbox!);
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
