// Mailboxes. :mailbox is the mailbox id or its address.
//   GET    /v1/mailboxes[?domain=]                                   { mailboxes: MailboxView[] }
//   POST   /v1/mailboxes {address, password, recoveryPublicKey, quotaBytes?, displayName?}  201 { mailbox }
//   GET    /v1/mailboxes/:mailbox                                    { mailbox }
//   PATCH  /v1/mailboxes/:mailbox {quotaBytes?, state?, displayName?} { mailbox }
//   DELETE /v1/mailboxes/:mailbox                                    204 (record, encrypted file, spool)
//   GET    /v1/mailboxes/:mailbox/recovery-wrap                      { mailboxId, wrapId, wrap }
//   PUT    /v1/mailboxes/:mailbox/password-wrap {wrap}               204 (owner reset, computed on the desktop)
//   POST   /v1/mailboxes/:mailbox/app-passwords {password, label}    201 { id, label, password } (shown once)
//   DELETE /v1/mailboxes/:mailbox/app-passwords/:id                  204
// The recovery public key is the owner's (base64, 1,217 bytes); its private half never reaches the server.
import { rm } from 'node:fs/promises';
import { parsePublicKey, PUBLIC_KEY_BYTES } from '../../crypto/hybrid-kem.ts';
import type { PasswordWrap } from '../../crypto/key-wraps.ts';
import { validateKdfParams } from '../../crypto/password-kdf.ts';
import { normalizeAddress } from '../../domain/directory.ts';
import { ConfigError, splitAddress, type MailboxRecord } from '../../storage/config-store.ts';
import { ApiError, invalid, notFound } from '../api-error.ts';
import type { ControlDeps } from '../control-deps.ts';
import type { Router } from '../router.ts';
import { base64Bytes, int, nullable, object, oneOf, optional, parseBody, str } from '../validate.ts';

const quota = nullable(int({ min: 0 }));
const displayName = nullable(str({ min: 0, max: 200 }));
const password = str({ min: 8, max: 1024 });

const createMailbox = object({
  address: str({ max: 254 }),
  password,
  recoveryPublicKey: base64Bytes({ min: PUBLIC_KEY_BYTES, max: PUBLIC_KEY_BYTES }),
  quotaBytes: optional(quota),
  displayName: optional(displayName),
});
const updateMailbox = object({
  quotaBytes: optional(quota),
  state: optional(oneOf('active', 'disabled')),
  displayName: optional(displayName),
});
const base64 = str({ max: 4096, pattern: /^[A-Za-z0-9+/]+={0,2}$/, what: 'base64' });
/** A key wrap made by the desktop under a password (argon2id), as a request body field. */
export function passwordWrapSchema(kind: 'password' | 'app-password') {
  return object({
    v: int({ min: 1, max: 1 }),
    kind: oneOf(kind),
    kdf: object({
      alg: oneOf('argon2id'),
      memory: int({ min: 1 }),
      passes: int({ min: 1 }),
      parallelism: int({ min: 1 }),
      salt: base64,
    }),
    ct: base64,
  });
}
const passwordWrap = object({ wrap: passwordWrapSchema('password') });
const newAppPassword = object({ password: str({ min: 1, max: 1024 }), label: str({ max: 100 }) });

/** The mailbox a `:mailbox` path parameter names (its id or its address); 404 otherwise. */
export function mailboxByRef(core: ControlDeps['core'], ref: string): MailboxRecord {
  let m: MailboxRecord | undefined;
  try {
    m = ref.includes('@') ? core.config.findMailbox(normalizeAddress(ref)) : core.config.getMailbox(ref);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
  }
  if (!m) throw notFound('mailbox');
  return m;
}

export function registerMailboxRoutes(router: Router, deps: ControlDeps): void {
  const { core } = deps;
  const find = (ref: string): MailboxRecord => mailboxByRef(core, ref);

  const view = (m: MailboxRecord) => ({
    id: m.id,
    address: m.address,
    displayName: m.displayName,
    quotaBytes: m.quotaBytes,
    usedBytes: m.usedBytes,
    usedMessages: m.usedMessages,
    state: m.state,
    appPasswords: core.config
      .listWraps(m.id, 'app-password')
      .map((w) => ({ id: w.wrapId, label: w.label, createdAt: new Date(w.createdAt).toISOString() })),
  });

  router.get('/v1/mailboxes', ({ query }) => ({
    body: { mailboxes: core.config.listMailboxes(query.get('domain') ?? undefined).map(view) },
  }));

  router.post('/v1/mailboxes', async ({ body }) => {
    const input = parseBody(createMailbox, body);
    try {
      parsePublicKey(input.recoveryPublicKey);
    } catch {
      throw invalid('recoveryPublicKey is not a hybrid X25519 + ML-KEM-768 public key');
    }
    let address: string;
    try {
      address = normalizeAddress(input.address);
    } catch {
      throw invalid('address is not an e-mail address');
    }
    // Checked before the encrypted file is created, so a refused request leaves nothing behind.
    if (!core.config.getDomain(splitAddress(address).domain)) throw notFound('domain');
    if (core.config.findMailbox(address)) throw new ApiError(409, 'EXISTS', 'this mailbox exists');
    if (core.config.getAlias(address)) throw new ApiError(409, 'EXISTS', 'this address is an alias');
    const m = await core.accounts.createMailbox({
      address,
      password: input.password,
      recoveryPublicKey: input.recoveryPublicKey,
      quotaBytes: input.quotaBytes ?? null,
      ...(input.displayName != null ? { displayName: input.displayName } : {}),
    });
    deps.log.info('control.mailbox_created', { mailboxId: m.id });
    return { status: 201, body: { mailbox: view(m) } };
  });

  router.get('/v1/mailboxes/:mailbox', ({ params }) => ({ body: { mailbox: view(find(params.mailbox!)) } }));

  router.patch('/v1/mailboxes/:mailbox', ({ params, body }) => {
    const m = find(params.mailbox!);
    const input = parseBody(updateMailbox, body);
    core.config.updateMailbox(m.id, {
      ...(input.quotaBytes !== undefined ? { quotaBytes: input.quotaBytes } : {}),
      ...(input.state !== undefined ? { state: input.state } : {}),
      ...(input.displayName !== undefined ? { displayName: input.displayName } : {}),
    });
    if (input.state === 'disabled') core.loginCache.invalidate(m.id);
    deps.log.info('control.mailbox_updated', { mailboxId: m.id, fields: Object.keys(input) });
    return { body: { mailbox: view(core.config.getMailbox(m.id)!) } };
  });

  router.delete('/v1/mailboxes/:mailbox', async ({ params }) => {
    const m = find(params.mailbox!);
    const path = core.mailboxPath(m.id);
    core.config.deleteMailbox(m.id);
    core.loginCache.invalidate(m.id);
    await Promise.all([
      ...['', '-wal', '-shm'].map((s) => rm(path + s, { force: true })),
      rm(`${core.spool.root}/${m.id}`, { recursive: true, force: true }),
    ]);
    deps.log.info('control.mailbox_deleted', { mailboxId: m.id });
    return {};
  });

  router.get('/v1/mailboxes/:mailbox/recovery-wrap', ({ params }) => {
    const m = find(params.mailbox!);
    const wrap = core.accounts.getRecoveryWrap(m.id);
    if (!wrap) throw notFound('recovery wrap');
    return { body: { mailboxId: m.id, wrapId: 'owner', wrap } };
  });

  router.put('/v1/mailboxes/:mailbox/password-wrap', ({ params, body }) => {
    const m = find(params.mailbox!);
    const { wrap } = parseBody(passwordWrap, body);
    try {
      validateKdfParams(wrap.kdf as PasswordWrap['kdf']);
    } catch {
      throw invalid('wrap.kdf parameters are too weak or out of range');
    }
    core.accounts.setPasswordWrap(m.id, wrap as PasswordWrap);
    deps.log.info('control.password_reset', { mailboxId: m.id });
    return {};
  });

  router.post('/v1/mailboxes/:mailbox/app-passwords', async ({ params, body }) => {
    const m = find(params.mailbox!);
    const input = parseBody(newAppPassword, body);
    // K is needed to wrap it once more: the mailbox password opens it for this request only.
    const { key } = await core.accounts.login(m.address, input.password);
    try {
      const made = await core.accounts.addAppPassword(m.id, key, input.label);
      deps.log.info('control.app_password_added', { mailboxId: m.id, wrapId: made.wrapId });
      return { status: 201, body: { id: made.wrapId, label: input.label, password: made.password } };
    } finally {
      key.fill(0);
      core.loginCache.invalidate(m.id);
    }
  });

  router.delete('/v1/mailboxes/:mailbox/app-passwords/:id', ({ params }) => {
    const m = find(params.mailbox!);
    if (!core.accounts.removeAppPassword(m.id, params.id!)) throw notFound('app password');
    deps.log.info('control.app_password_removed', { mailboxId: m.id, wrapId: params.id });
    return {};
  });
}
