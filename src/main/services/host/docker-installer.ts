/**
 * Installs Docker from the distribution's packages on a server that has none, and starts it.
 */
import type { InstallDockerResult } from '../../../shared/deploy';
import { FacteurError } from '../../../shared/errors';
import type { HostAccess } from './host-access';

export class DockerInstaller {
  constructor(private readonly hosts: HostAccess) {}

  async install(
    serverId: string,
    _onProgress: (step: string, done: number, total?: number, message?: string) => void,
  ): Promise<InstallDockerResult> {
    void this.hosts;
    void serverId;
    throw new FacteurError('INTERNAL', 'Installing Docker is not supported yet.');
  }
}
