import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import type { Request } from '../../../shared/contract';
import { api } from '../api/client';

export const deployKeys = {
  all: ['deploy'] as const,
  access: (serverId: string) => [...deployKeys.all, 'access', serverId] as const,
  info: (serverId: string) => [...deployKeys.all, 'info', serverId] as const,
};

/** How Facteur runs privileged commands on the server (root, sudo with or without a password). */
export const serverAccessQuery = (serverId: string) =>
  queryOptions({
    queryKey: deployKeys.access(serverId),
    queryFn: () => api.serverAccess({ id: serverId }),
    enabled: serverId !== '',
    retry: false,
    meta: { localError: true },
  });

/** What is deployed on the server: version and each service's state. */
export const deploymentInfoQuery = (serverId: string) =>
  queryOptions({
    queryKey: deployKeys.info(serverId),
    queryFn: () => api.deploymentInfo({ id: serverId }),
    enabled: serverId !== '',
    retry: false,
    meta: { localError: true },
  });

export function useProvideSudoPassword() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (req: Request<'provideSudoPassword'>) => api.provideSudoPassword(req),
    meta: { localError: true },
    onSuccess: (access, req) => client.setQueryData(deployKeys.access(req.serverId), access),
  });
}

export function useInstallDocker() {
  return useMutation({
    mutationFn: (req: Request<'installDocker'>) => api.installDocker(req),
    meta: { localError: true },
  });
}

export function useDeployStack() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (req: Request<'deployStack'>) => api.deployStack(req),
    meta: { localError: true },
    onSettled: (_result, _error, req) =>
      client.invalidateQueries({ queryKey: deployKeys.info(req.serverId) }),
  });
}

export function useExportCompose() {
  return useMutation({
    mutationFn: (serverId: string) => api.exportCompose({ id: serverId }),
    meta: { localError: true },
  });
}
