// A mailbox's spam preferences, read by the MX role for every message (config DB, no mailbox key):
//   GET    /v1/mailboxes/:mailbox/spam                        SpamView
//   PUT    /v1/mailboxes/:mailbox/spam {threshold?, trustedSenders?}   SpamView (given fields replaced)
//   POST   /v1/mailboxes/:mailbox/spam/trusted {sender}       201 SpamView (one sender added)
//   DELETE /v1/mailboxes/:mailbox/spam/trusted/:sender        204
// SpamView = {threshold: n|null (null: the server's), defaultThreshold, effectiveThreshold,
//             rejectAbove, trustedSenders: ["name@example.org", "@example.net"]}
// A trusted sender's mail never goes to Junk unless it fails DMARC (a forged From: earns no trust).
import {
  MAX_TRUSTED_SENDERS,
  normalizeTrustedSender,
  SpamPreferences,
  type SpamPrefs,
} from '../../inbound/spam-prefs.ts';
import { MAIL_DEFAULTS } from '../../run/mail-settings.ts';
import { ApiError, invalid, notFound } from '../api-error.ts';
import type { ControlDeps } from '../control-deps.ts';
import type { Router } from '../router.ts';
import { list, nullable, num, object, optional, parseBody, str } from '../validate.ts';
import { mailboxByRef } from './mailbox-routes.ts';

/** Scores run from about -1 (authenticated, clean) to 20-odd; beyond these a threshold means nothing. */
export const THRESHOLD_RANGE = { min: -10, max: 100 };

const sender = str({ max: 320 });
const putSpam = object({
  threshold: optional(nullable(num(THRESHOLD_RANGE))),
  trustedSenders: optional(list(sender, { max: MAX_TRUSTED_SENDERS })),
});
const addTrusted = object({ sender });

function trustedEntry(value: string, field: string): string {
  const s = normalizeTrustedSender(value);
  if (!s) throw invalid(`${field} must be an address (name@example.org) or a whole domain (@example.org)`);
  return s;
}

export function registerSpamRoutes(router: Router, deps: ControlDeps): void {
  const prefs = new SpamPreferences(deps.core.config);
  const server = deps.spam ?? MAIL_DEFAULTS.inbound.spam;

  const view = (p: SpamPrefs) => ({
    threshold: p.threshold ?? null,
    defaultThreshold: server.threshold,
    effectiveThreshold: p.threshold ?? server.threshold,
    rejectAbove: server.rejectAbove,
    trustedSenders: p.trusted,
  });

  router.get('/v1/mailboxes/:mailbox/spam', ({ params }) => {
    const m = mailboxByRef(deps.core, params.mailbox!);
    return { body: view(prefs.get(m.id)) };
  });

  router.put('/v1/mailboxes/:mailbox/spam', ({ params, body }) => {
    const m = mailboxByRef(deps.core, params.mailbox!);
    const input = parseBody(putSpam, body);
    const trusted = input.trustedSenders?.map((s, i) => trustedEntry(s, `trustedSenders[${i}]`));
    const p = prefs.update(m.id, {
      ...(input.threshold !== undefined ? { threshold: input.threshold } : {}),
      ...(trusted ? { trusted } : {}),
    });
    deps.log.info('control.spam_updated', {
      mailboxId: m.id,
      threshold: p.threshold ?? null,
      trustedSenders: p.trusted.length,
    });
    return { body: view(p) };
  });

  router.post('/v1/mailboxes/:mailbox/spam/trusted', ({ params, body }) => {
    const m = mailboxByRef(deps.core, params.mailbox!);
    const s = trustedEntry(parseBody(addTrusted, body).sender, 'sender');
    const current = prefs.get(m.id);
    if (!current.trusted.includes(s) && current.trusted.length >= MAX_TRUSTED_SENDERS)
      throw new ApiError(409, 'LIMIT', `a mailbox trusts at most ${MAX_TRUSTED_SENDERS} senders`);
    prefs.trust(m.id, s);
    deps.log.info('control.sender_trusted', { mailboxId: m.id });
    return { status: 201, body: view(prefs.get(m.id)) };
  });

  router.delete('/v1/mailboxes/:mailbox/spam/trusted/:sender', ({ params }) => {
    const m = mailboxByRef(deps.core, params.mailbox!);
    const s = trustedEntry(params.sender!, 'sender');
    if (!prefs.get(m.id).trusted.includes(s)) throw notFound('trusted sender');
    prefs.untrust(m.id, s);
    deps.log.info('control.sender_untrusted', { mailboxId: m.id });
    return {};
  });
}
