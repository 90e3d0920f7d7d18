/**
 * Certificates and mailboxes of a deployed server, through its control API (over SSH).
 */
import type { ParsedRequest, Response } from '../../../shared/contract';
import { FacteurError } from '../../../shared/errors';

export class MailService {
  certificateStatus(_serverId: string): Promise<Response<'certificateStatus'>> {
    return Promise.reject(new FacteurError('INTERNAL', 'Not available yet.'));
  }

  requestCertificate(_req: ParsedRequest<'requestCertificate'>): Promise<Response<'requestCertificate'>> {
    return Promise.reject(new FacteurError('INTERNAL', 'Not available yet.'));
  }

  listMailboxes(_serverId: string): Promise<Response<'listMailboxes'>> {
    return Promise.reject(new FacteurError('INTERNAL', 'Not available yet.'));
  }

  createMailbox(_req: ParsedRequest<'createMailbox'>): Promise<Response<'createMailbox'>> {
    return Promise.reject(new FacteurError('INTERNAL', 'Not available yet.'));
  }

  clientSettings(_req: ParsedRequest<'clientSettings'>): Promise<Response<'clientSettings'>> {
    return Promise.reject(new FacteurError('INTERNAL', 'Not available yet.'));
  }
}
