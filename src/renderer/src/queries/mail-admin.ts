import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import type { Request } from '../../../shared/contract';
import { api } from '../api/client';
import { mailKeys } from './mailbox';

export const mailAdminKeys = {
  all: [...mailKeys.all, 'admin'] as const,
  domains: (serverId: string) => [...mailAdminKeys.all, 'domains', serverId] as const,
  mailboxes: (serverId: string) => [...mailAdminKeys.all, 'mailboxes', serverId] as const,
  aliases: (serverId: string) => [...mailAdminKeys.all, 'aliases', serverId] as const,
  setup: (serverId: string, address: string) => [...mailAdminKeys.all, 'setup', serverId, address] as const,
};

export const domainsQuery = (serverId: string) =>
  queryOptions({
    queryKey: mailAdminKeys.domains(serverId),
    queryFn: () => api.listDomains({ id: serverId }),
    enabled: serverId !== '',
    retry: false,
    meta: { localError: true },
  });

export const mailboxDetailsQuery = (serverId: string) =>
  queryOptions({
    queryKey: mailAdminKeys.mailboxes(serverId),
    queryFn: () => api.listMailboxDetails({ serverId }),
    enabled: serverId !== '',
    retry: false,
    meta: { localError: true },
  });

export const aliasesQuery = (serverId: string) =>
  queryOptions({
    queryKey: mailAdminKeys.aliases(serverId),
    queryFn: () => api.listAliases({ serverId }),
    enabled: serverId !== '',
    retry: false,
    meta: { localError: true },
  });

export const clientSetupQuery = (serverId: string, address: string) =>
  queryOptions({
    queryKey: mailAdminKeys.setup(serverId, address),
    queryFn: () => api.clientSetup({ serverId, address }),
    enabled: serverId !== '' && address !== '',
    retry: false,
    staleTime: Infinity,
    meta: { localError: true },
  });

/** A mail administration call; afterwards every list of that server is read again. */
function useAdminMutation<Req extends { serverId: string }, Res>(call: (req: Req) => Promise<Res>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: call,
    meta: { localError: true },
    onSuccess: (_result: Res, req: Req) => {
      for (const key of [
        mailAdminKeys.domains(req.serverId),
        mailAdminKeys.mailboxes(req.serverId),
        mailAdminKeys.aliases(req.serverId),
        mailKeys.mailboxes(req.serverId),
      ])
        void client.invalidateQueries({ queryKey: key });
    },
  });
}

export const useAddDomain = () => useAdminMutation((r: Request<'addDomain'>) => api.addDomain(r));
export const useRemoveDomain = () => useAdminMutation((r: Request<'removeDomain'>) => api.removeDomain(r));
export const useSetQuota = () => useAdminMutation((r: Request<'setMailboxQuota'>) => api.setMailboxQuota(r));
export const useSetState = () => useAdminMutation((r: Request<'setMailboxState'>) => api.setMailboxState(r));
export const useDeleteMailbox = () => useAdminMutation((r: Request<'deleteMailbox'>) => api.deleteMailbox(r));
export const useAddAlias = () => useAdminMutation((r: Request<'addAlias'>) => api.addAlias(r));
export const useRemoveAlias = () => useAdminMutation((r: Request<'removeAlias'>) => api.removeAlias(r));
export const useResetPassword = () =>
  useAdminMutation((r: Request<'resetMailboxPassword'>) => api.resetMailboxPassword(r));
export const useCreateAppPassword = () =>
  useAdminMutation((r: Request<'createAppPassword'>) => api.createAppPassword(r));
export const useRevokeAppPassword = () =>
  useAdminMutation((r: Request<'revokeAppPassword'>) => api.revokeAppPassword(r));
export const useAppleProfile = () => useAdminMutation((r: Request<'appleProfile'>) => api.appleProfile(r));
export const useSendTestEmail = () => useAdminMutation((r: Request<'sendTestEmail'>) => api.sendTestEmail(r));
