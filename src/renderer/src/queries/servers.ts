import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import type { Request } from '../../../shared/contract';
import { api } from '../api/client';

export const serverKeys = {
  all: ['servers'] as const,
  list: () => [...serverKeys.all, 'list'] as const,
};

export const serversQuery = () =>
  queryOptions({ queryKey: serverKeys.list(), queryFn: () => api.listServers({}) });

export function useScanHostKey() {
  return useMutation({
    mutationFn: (req: Request<'scanHostKey'>) => api.scanHostKey(req),
    meta: { localError: true },
  });
}

export function useAddServer() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (req: Request<'addServer'>) => api.addServer(req),
    meta: { localError: true },
    onSuccess: () => client.invalidateQueries({ queryKey: serverKeys.all }),
  });
}

export function useCheckServer() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.checkServer({ id }),
    meta: { localError: true },
    onSettled: () => client.invalidateQueries({ queryKey: serverKeys.all }),
  });
}

export function useRemoveServer() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.removeServer({ id }),
    onSuccess: () => client.invalidateQueries({ queryKey: serverKeys.all }),
  });
}
