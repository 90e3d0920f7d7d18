/**
 * The deploy journey's main step: the stack on a server, from the bundled image to healthy roles.
 */
import type { ParsedRequest, Response } from '../../../shared/contract';
import { FacteurError } from '../../../shared/errors';

export class DeployService {
  deploy(_req: ParsedRequest<'deployStack'>): Promise<Response<'deployStack'>> {
    return Promise.reject(new FacteurError('INTERNAL', 'Not available yet.'));
  }

  info(_serverId: string): Promise<Response<'deploymentInfo'>> {
    return Promise.reject(new FacteurError('INTERNAL', 'Not available yet.'));
  }

  exportCompose(_serverId: string): Promise<Response<'exportCompose'>> {
    return Promise.reject(new FacteurError('INTERNAL', 'Not available yet.'));
  }
}
