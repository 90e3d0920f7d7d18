/**
 * Certificates and mailboxes of a deployed server, through its control API (over SSH).
 * Mailboxes are created with a generated password (returned once, never kept here) and with the
 * server's recovery key, whose private half stays in the vault.
 */
import { isIPv4 } from 'node:net';
import type { ParsedRequest, Response } from '../../../shared/contract';
import type { DnsPlanRequest } from '../../../shared/dns';
import { FacteurError } from '../../../shared/errors';
import type { Mailbox } from '../../../shared/mailbox';
import { ControlApiError, type ControlClient } from '../control/control-client';
import type { ServerService } from '../servers/server-service';
import type { Vault } from '../vault/vault';
import { certificateView, isPending, type ServerCertificate, type TrackedRequest } from './certificate-view';
import { clientSettingsFor } from './client-settings';
import { ControlAccess } from './control-access';
import { generateMailboxPassword } from './mailbox-password';
import { RecoveryKeyStore } from './recovery-key-store';

/** GET /v1/mailboxes items (server-bundle/src/control/routes/mailbox-routes.ts). */
interface ServerMailbox {
  id: string;
  address: string;
  displayName: string | null;
  quotaBytes: number | null;
  state: string;
}

const isApiError = (err: unknown, status: number): err is ControlApiError =>
  err instanceof ControlApiError && err.status === status;

const domainOf = (address: string): string => address.slice(address.lastIndexOf('@') + 1);

function mailboxView(m: ServerMailbox): Mailbox {
  return {
    id: m.id,
    address: m.address,
    displayName: m.displayName,
    quotaBytes: m.quotaBytes,
    state: m.state,
  };
}

export class MailService {
  readonly control: ControlAccess;
  readonly recoveryKeys: RecoveryKeyStore;
  /** Certificate requests made by this run, per server, until the server has answered them. */
  private readonly requests = new Map<string, TrackedRequest>();

  constructor(
    private readonly servers: Pick<ServerService, 'get' | 'connect'>,
    vault: Vault,
    control: ControlAccess,
  ) {
    this.control = control;
    this.recoveryKeys = new RecoveryKeyStore(vault);
  }

  certificateStatus(serverId: string): Promise<Response<'certificateStatus'>> {
    return this.control.with(serverId, ({ api }) => this.readCertificate(serverId, api));
  }

  requestCertificate(req: ParsedRequest<'requestCertificate'>): Promise<Response<'requestCertificate'>> {
    return this.control.with(req.serverId, async ({ api }) => {
      const before = await api.get<ServerCertificate>('/v1/certificate');
      let answer: { request: { requestedAt: string } };
      try {
        answer = await api.post('/v1/certificate/request', { force: req.force });
      } catch (err) {
        if (isApiError(err, 501))
          throw new FacteurError(
            'COMMAND_FAILED',
            'This server does not manage certificates: deploy the current version of the mail server first.',
          );
        throw err;
      }
      // Without `force`, a valid CA certificate that covers every name is kept: nothing to wait for.
      if (req.force || before.selfSigned)
        this.requests.set(req.serverId, {
          requestedAt: answer.request.requestedAt,
          errorBefore: before.acme?.lastError ?? null,
        });
      return this.readCertificate(req.serverId, api);
    });
  }

  listMailboxes(serverId: string): Promise<Response<'listMailboxes'>> {
    return this.control.with(serverId, async ({ api }) => {
      const { mailboxes } = await api.get<{ mailboxes: ServerMailbox[] }>('/v1/mailboxes');
      return mailboxes.map(mailboxView);
    });
  }

  createMailbox(req: ParsedRequest<'createMailbox'>): Promise<Response<'createMailbox'>> {
    return this.control.with(req.serverId, async ({ api, deployment }) => {
      await this.ensureDomain(api, domainOf(req.address));
      const recovery = await this.recoveryKeys.ensure(req.serverId);
      const password = generateMailboxPassword();
      let created: { mailbox: ServerMailbox };
      try {
        created = await api.post('/v1/mailboxes', {
          address: req.address,
          password,
          recoveryPublicKey: recovery.publicBytes.toString('base64'),
          ...(req.quotaBytes !== undefined ? { quotaBytes: req.quotaBytes } : {}),
          ...(req.displayName ? { displayName: req.displayName } : {}),
        });
      } catch (err) {
        if (isApiError(err, 409))
          throw new FacteurError(
            'VALIDATION',
            `${req.address} exists already on this server (as a mailbox or an alias): choose another address.`,
            { field: 'address' },
          );
        throw err;
      }
      return {
        mailbox: mailboxView(created.mailbox),
        password,
        settings: clientSettingsFor(created.mailbox.address, deployment.hostname),
      };
    });
  }

  clientSettings(req: ParsedRequest<'clientSettings'>): Promise<Response<'clientSettings'>> {
    return this.control.with(req.serverId, async ({ api, deployment }) => {
      try {
        await api.get(`/v1/mailboxes/${encodeURIComponent(req.address)}`);
      } catch (err) {
        if (isApiError(err, 404))
          throw new FacteurError('NOT_FOUND', `There is no mailbox ${req.address} on this server.`, {
            address: req.address,
          });
        throw err;
      }
      return clientSettingsFor(req.address, deployment.hostname);
    });
  }

  /**
   * What the DNS plan takes from a deployed server: its mail host name, its IPv4 address when the
   * server was added by address, and the domain's DKIM keys (the domain is created when missing).
   */
  dnsFacts(serverId: string, domain: string): Promise<Pick<DnsPlanRequest, 'mailHost' | 'ipv4' | 'dkim'>> {
    return this.control.with(serverId, async ({ api, deployment }) => {
      await this.ensureDomain(api, domain);
      const { keys } = await api.get<{ keys: Array<{ selector: string; dns: { value: string } }> }>(
        `/v1/domains/${encodeURIComponent(domain)}/dkim`,
      );
      const { host } = await this.servers.get(serverId);
      return {
        mailHost: deployment.hostname,
        ipv4: isIPv4(host) ? host : undefined,
        dkim: keys.map((k) => ({ selector: k.selector, value: k.dns.value })),
      };
    });
  }

  /** Creates the mail domain (with its DKIM keys) unless the server has it. */
  private async ensureDomain(api: ControlClient, domain: string): Promise<void> {
    try {
      await api.get(`/v1/domains/${encodeURIComponent(domain)}`);
      return;
    } catch (err) {
      if (!isApiError(err, 404)) throw err;
    }
    try {
      await api.post('/v1/domains', { name: domain });
    } catch (err) {
      if (!isApiError(err, 409)) throw err; // created meanwhile: just as good
    }
  }

  private async readCertificate(serverId: string, api: ControlClient) {
    const cert = await api.get<ServerCertificate>('/v1/certificate');
    const tracked = this.requests.get(serverId);
    const pending = await isPending(cert, tracked, () => this.failedSince(api, tracked!.requestedAt));
    if (tracked && !pending) this.requests.delete(serverId);
    return certificateView(cert, pending);
  }

  /** Whether the jobs role logged a failed attempt since `since` (its log, through the control API). */
  private async failedSince(api: ControlClient, since: string): Promise<boolean> {
    const { lines } = await api.get<{ lines: Array<{ event: string }> }>(
      `/v1/logs?level=warn&limit=500&since=${encodeURIComponent(since)}`,
    );
    return lines.some((l) => l.event === 'acme.failed');
  }
}
