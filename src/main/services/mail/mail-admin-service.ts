/**
 * Mail administration of a deployed server through its control API: domains, mailboxes (quota,
 * disable, delete), aliases and catch-alls, the owner's password reset and per-device app
 * passwords, and the client setup of a mailbox (QR code, Apple profile, test email).
 *
 * Reset and app passwords never need the mailbox password and never send K: the desktop opens the
 * mailbox's recovery wrap with the private key in its vault, wraps K under a password it generated
 * (argon2id, the server's format) and uploads only that wrap. The server learns what any login
 * would give it anyway, the next time that password is used.
 */
import { randomBytes } from 'node:crypto';
import type { ParsedRequest, Response } from '../../../shared/contract';
import { FacteurError } from '../../../shared/errors';
import type { DesktopConfig } from '../../config';
import { ControlApiError, type ControlClient } from '../control/control-client';
import type { ServerService } from '../servers/server-service';
import { appleProfileXml } from './apple-profile';
import type { MailService } from './mail-service';
import { generateMailboxPassword } from './mailbox-password';
import { wrapUnderPassword } from './password-wrap';
import { qrCodeSvg } from './qr-code';
import { openRecoveryWrap, type RecoveryWrap } from './recovery-key';
import { setupCardText } from './setup-card';
import { sendTestEmail } from './test-email-sender';

type Details = Response<'listMailboxDetails'>[number];

const isApiError = (err: unknown, status: number, code?: string): err is ControlApiError =>
  err instanceof ControlApiError && err.status === status && (!code || err.apiCode === code);

const enc = encodeURIComponent;

export class MailAdminService {
  constructor(
    private readonly servers: Pick<ServerService, 'get'>,
    private readonly mail: MailService,
    private readonly config: DesktopConfig,
  ) {}

  // Domains

  listDomains(serverId: string): Promise<Response<'listDomains'>> {
    return this.mail.control.with(serverId, async ({ api }) => {
      const { domains } = await api.get<{ domains: Response<'listDomains'> }>('/v1/domains');
      return domains;
    });
  }

  addDomain(req: ParsedRequest<'addDomain'>): Promise<Response<'addDomain'>> {
    return this.mail.control.with(req.serverId, async ({ api }) => {
      try {
        const { domain } = await api.post<{ domain: Response<'addDomain'> }>('/v1/domains', {
          name: req.name,
        });
        return domain;
      } catch (err) {
        if (isApiError(err, 409))
          throw new FacteurError('VALIDATION', `${req.name} is already a domain of this server.`, {
            field: 'name',
            reason: 'domainExists',
            domain: req.name,
          });
        throw err;
      }
    });
  }

  removeDomain(req: ParsedRequest<'removeDomain'>): Promise<Response<'removeDomain'>> {
    return this.mail.control.with(req.serverId, async ({ api }) => {
      try {
        await api.delete(`/v1/domains/${enc(req.name)}`);
        return { removed: true };
      } catch (err) {
        if (isApiError(err, 409, 'NOT_EMPTY'))
          throw new FacteurError(
            'VALIDATION',
            `${req.name} still has mailboxes, so it was not removed: delete its mailboxes first, then remove the domain.`,
            { domain: req.name, reason: 'domainNotEmpty' },
          );
        if (isApiError(err, 404)) throw this.noDomain(req.name);
        throw err;
      }
    });
  }

  // Mailboxes

  listMailboxDetails(req: ParsedRequest<'listMailboxDetails'>): Promise<Response<'listMailboxDetails'>> {
    return this.mail.control.with(req.serverId, async ({ api }) => {
      const query = req.domain ? `?domain=${enc(req.domain)}` : '';
      const { mailboxes } = await api.get<{ mailboxes: Details[] }>(`/v1/mailboxes${query}`);
      return mailboxes;
    });
  }

  setMailboxQuota(req: ParsedRequest<'setMailboxQuota'>): Promise<Response<'setMailboxQuota'>> {
    return this.patchMailbox(req.serverId, req.address, { quotaBytes: req.quotaBytes });
  }

  setMailboxState(req: ParsedRequest<'setMailboxState'>): Promise<Response<'setMailboxState'>> {
    return this.patchMailbox(req.serverId, req.address, { state: req.state });
  }

  deleteMailbox(req: ParsedRequest<'deleteMailbox'>): Promise<Response<'deleteMailbox'>> {
    if (req.confirmAddress.trim().toLowerCase() !== req.address)
      throw new FacteurError(
        'VALIDATION',
        `To delete ${req.address}, type its address exactly: nothing was deleted.`,
        { field: 'confirmAddress', reason: 'confirmMismatch', address: req.address },
      );
    return this.mail.control.with(req.serverId, async ({ api }) => {
      await this.mailbox(api, req.address);
      await api.delete(`/v1/mailboxes/${enc(req.address)}`);
      return { deleted: true };
    });
  }

  // Aliases, forwards, catch-all

  listAliases(req: ParsedRequest<'listAliases'>): Promise<Response<'listAliases'>> {
    return this.mail.control.with(req.serverId, async ({ api }) => {
      const query = req.domain ? `?domain=${enc(req.domain)}` : '';
      const { aliases } = await api.get<{ aliases: Response<'listAliases'> }>(`/v1/aliases${query}`);
      return aliases;
    });
  }

  addAlias(req: ParsedRequest<'addAlias'>): Promise<Response<'addAlias'>> {
    return this.mail.control.with(req.serverId, async ({ api }) => {
      try {
        const { alias } = await api.post<{ alias: Response<'addAlias'> }>('/v1/aliases', {
          address: req.address,
          destinations: req.destinations,
        });
        return alias;
      } catch (err) {
        if (isApiError(err, 409))
          throw new FacteurError(
            'VALIDATION',
            `${req.address} exists already (as an alias or a mailbox): change that one instead.`,
            { field: 'address', reason: 'aliasExists', address: req.address },
          );
        if (isApiError(err, 404)) throw this.noDomain(req.address.slice(req.address.indexOf('@') + 1));
        throw err;
      }
    });
  }

  updateAlias(req: ParsedRequest<'updateAlias'>): Promise<Response<'updateAlias'>> {
    return this.mail.control.with(req.serverId, async ({ api }) => {
      try {
        const { alias } = await api.put<{ alias: Response<'updateAlias'> }>(
          `/v1/aliases/${enc(req.address)}`,
          {
            destinations: req.destinations,
          },
        );
        return alias;
      } catch (err) {
        if (isApiError(err, 404)) throw this.noAlias(req.address);
        throw err;
      }
    });
  }

  removeAlias(req: ParsedRequest<'removeAlias'>): Promise<Response<'removeAlias'>> {
    return this.mail.control.with(req.serverId, async ({ api }) => {
      try {
        await api.delete(`/v1/aliases/${enc(req.address)}`);
        return { removed: true };
      } catch (err) {
        if (isApiError(err, 404)) throw this.noAlias(req.address);
        throw err;
      }
    });
  }

  // Keys: owner reset and app passwords

  resetMailboxPassword(
    req: ParsedRequest<'resetMailboxPassword'>,
  ): Promise<Response<'resetMailboxPassword'>> {
    return this.mail.control.with(req.serverId, async ({ api }) => {
      const password = generateMailboxPassword();
      await this.withMailboxKey(api, req.serverId, req.address, async (key, mailboxId) => {
        const wrap = await wrapUnderPassword(key, password, {
          mailboxId,
          wrapId: 'primary',
          kind: 'password',
        });
        await api.put(`/v1/mailboxes/${enc(mailboxId)}/password-wrap`, { wrap });
      });
      return { address: req.address, password };
    });
  }

  createAppPassword(req: ParsedRequest<'createAppPassword'>): Promise<Response<'createAppPassword'>> {
    return this.mail.control.with(req.serverId, (session) =>
      this.makeAppPassword(session.api, req.serverId, req.address, req.label),
    );
  }

  revokeAppPassword(req: ParsedRequest<'revokeAppPassword'>): Promise<Response<'revokeAppPassword'>> {
    return this.mail.control.with(req.serverId, async ({ api }) => {
      await this.mailbox(api, req.address);
      try {
        await api.delete(`/v1/mailboxes/${enc(req.address)}/app-passwords/${enc(req.id)}`);
      } catch (err) {
        if (isApiError(err, 404))
          throw new FacteurError('NOT_FOUND', `This app password of ${req.address} was already revoked.`, {
            address: req.address,
            reason: 'appPasswordGone',
          });
        throw err;
      }
      return { revoked: true };
    });
  }

  // Client setup

  async clientSetup(req: ParsedRequest<'clientSetup'>): Promise<Response<'clientSetup'>> {
    const settings = await this.mail.clientSettings(req);
    const qrText = setupCardText(settings);
    return { settings, qrText, qrSvg: await qrCodeSvg(qrText) };
  }

  appleProfile(req: ParsedRequest<'appleProfile'>): Promise<Response<'appleProfile'>> {
    return this.mail.control.with(req.serverId, async ({ api }) => {
      const mailbox = await this.mailbox(api, req.address);
      const settings = await this.mail.clientSettings(req);
      const made = req.includePassword
        ? await this.makeAppPassword(api, req.serverId, req.address, 'Apple profile')
        : undefined;
      return {
        fileName: `${req.address.replace(/[^a-z0-9._-]/gi, '_')}.mobileconfig`,
        mimeType: 'application/x-apple-aspen-config',
        content: appleProfileXml(settings, { displayName: mailbox.displayName, password: made?.password }),
        appPasswordId: made?.id ?? null,
      };
    });
  }

  /**
   * Sends a message from the mailbox to itself through the server's submission port, as a mail
   * app would, with an app password made for it and revoked right after.
   */
  sendTestEmail(req: ParsedRequest<'sendTestEmail'>): Promise<Response<'sendTestEmail'>> {
    return this.mail.control.with(req.serverId, async ({ api, deployment }) => {
      const { host } = await this.servers.get(req.serverId);
      const cert = await api.get<{ fingerprint256: string }>('/v1/certificate');
      const made = await this.makeAppPassword(api, req.serverId, req.address, 'Facteur test email');
      try {
        const sent = await sendTestEmail({
          host,
          port: 465,
          servername: deployment.hostname,
          fingerprint256: cert.fingerprint256,
          user: req.address,
          password: made.password,
          from: req.address,
          to: req.address,
          subject: 'Facteur test email',
          text: `This message was sent by Facteur through ${deployment.hostname} to check that ${req.address} can send and receive mail.`,
          timeoutMs: this.config.ssh.commandMs,
        }).catch((err: unknown) => ({ accepted: false as const, response: (err as Error).message }));
        return {
          status: sent.accepted ? ('delivered' as const) : ('failed' as const),
          detail: sent.accepted
            ? `The server accepted the message and put it in ${req.address}'s inbox (${sent.response}).`
            : `The server did not take the message: ${sent.response}. Check that port 465 of the server is open, then try again.`,
          at: new Date().toISOString(),
        };
      } finally {
        await api.delete(`/v1/mailboxes/${enc(req.address)}/app-passwords/${made.id}`).catch(() => undefined);
      }
    });
  }

  // Helpers

  private async makeAppPassword(api: ControlClient, serverId: string, address: string, label: string) {
    const id = randomBytes(6).toString('hex');
    const password = generateMailboxPassword();
    const created = await this.withMailboxKey(api, serverId, address, async (key, mailboxId) => {
      const wrap = await wrapUnderPassword(key, password, { mailboxId, wrapId: id, kind: 'app-password' });
      try {
        return await api.post<{ id: string; label: string; createdAt: string }>(
          `/v1/mailboxes/${enc(mailboxId)}/app-password-wraps`,
          { id, label, wrap },
        );
      } catch (err) {
        if (isApiError(err, 404) && /no such endpoint/.test(err.message))
          throw new FacteurError(
            'COMMAND_FAILED',
            'This server cannot take app passwords made by Facteur yet: deploy the current version of the mail server first.',
            { reason: 'serverTooOld' },
          );
        throw err;
      }
    });
    return { ...created, password };
  }

  /** Opens K from the mailbox's recovery wrap with the vault's key; K is zeroed after `work`. */
  private async withMailboxKey<T>(
    api: ControlClient,
    serverId: string,
    address: string,
    work: (key: Buffer, mailboxId: string) => Promise<T>,
  ): Promise<T> {
    const recovery = await this.mail.recoveryKeys.get(serverId);
    if (!recovery)
      throw new FacteurError(
        'NOT_FOUND',
        'This computer holds no recovery key for this server, so it cannot reset passwords or make app passwords: use the computer that created its mailboxes (or restore its Facteur data).',
        { reason: 'noRecoveryKey' },
      );
    await this.mailbox(api, address);
    const got = await api.get<{ mailboxId: string; wrapId: string; wrap: RecoveryWrap }>(
      `/v1/mailboxes/${enc(address)}/recovery-wrap`,
    );
    let key: Buffer;
    try {
      key = openRecoveryWrap(recovery, got.wrap, { mailboxId: got.mailboxId, wrapId: got.wrapId });
    } catch {
      throw new FacteurError(
        'KEY_INVALID',
        `The recovery key of this computer does not open ${address}: the mailbox was made with another recovery key. Use the computer that created it.`,
        { address, reason: 'recoveryKeyMismatch' },
      );
    }
    try {
      return await work(key, got.mailboxId);
    } finally {
      key.fill(0);
    }
  }

  private async mailbox(api: ControlClient, address: string): Promise<Details> {
    try {
      const { mailbox } = await api.get<{ mailbox: Details }>(`/v1/mailboxes/${enc(address)}`);
      return mailbox;
    } catch (err) {
      if (isApiError(err, 404))
        throw new FacteurError('NOT_FOUND', `There is no mailbox ${address} on this server.`, {
          address,
          reason: 'noMailbox',
        });
      throw err;
    }
  }

  private async patchMailbox(serverId: string, address: string, body: object): Promise<Details> {
    return this.mail.control.with(serverId, async ({ api }) => {
      await this.mailbox(api, address);
      const { mailbox } = await api.patch<{ mailbox: Details }>(`/v1/mailboxes/${enc(address)}`, body);
      return mailbox;
    });
  }

  private noDomain(name: string): FacteurError {
    return new FacteurError('NOT_FOUND', `There is no domain ${name} on this server: add it first.`, {
      domain: name,
      reason: 'noDomain',
    });
  }

  private noAlias(address: string): FacteurError {
    return new FacteurError('NOT_FOUND', `There is no alias ${address} on this server.`, {
      address,
      reason: 'noAlias',
    });
  }
}
