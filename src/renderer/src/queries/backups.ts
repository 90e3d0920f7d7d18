import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import type { Request } from '../../../shared/contract';
import { api } from '../api/client';
import { mailKeys } from './mailbox';

export const backupKeys = {
  all: ['backups'] as const,
  settings: (serverId: string) => [...backupKeys.all, 'settings', serverId] as const,
  list: (serverId: string) => [...backupKeys.all, 'list', serverId] as const,
  contents: (serverId: string, snapshotId: string) =>
    [...backupKeys.all, 'contents', serverId, snapshotId] as const,
};

/** Where and when a server's backups go; NOT_DEPLOYED (shown by the page) until the stack runs. */
export const backupSettingsQuery = (serverId: string) =>
  queryOptions({
    queryKey: backupKeys.settings(serverId),
    queryFn: () => api.backupSettings({ id: serverId }),
    enabled: serverId !== '',
    retry: false,
    meta: { localError: true },
  });

/** The backups of a server and its last run; asked again while a run goes on elsewhere. */
export const backupListQuery = (serverId: string, enabled: boolean) =>
  queryOptions({
    queryKey: backupKeys.list(serverId),
    queryFn: () => api.listBackups({ id: serverId }),
    enabled: serverId !== '' && enabled,
    retry: false,
    refetchInterval: (query) => (query.state.data?.status.state === 'running' ? 5000 : false),
    meta: { localError: true },
  });

/** What one backup holds (read from its list of contents, without restoring it). */
export const backupContentsQuery = (serverId: string, snapshotId: string) =>
  queryOptions({
    queryKey: backupKeys.contents(serverId, snapshotId),
    queryFn: () => api.backupContents({ serverId, snapshotId }),
    enabled: serverId !== '' && snapshotId !== '',
    retry: false,
    staleTime: Infinity, // a backup never changes
    meta: { localError: true },
  });

/**
 * A backup call; afterwards the server's settings and list are read again, and after a restore
 * everything shown about its mail too (mailboxes, domains and aliases came back from the backup).
 */
function useBackupMutation<Req, Res>(
  call: (req: Req) => Promise<Res>,
  serverOf: (req: Req) => string[],
  restores = false,
) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: call,
    meta: { localError: true },
    onSettled: (_result, _error, req) => {
      for (const serverId of serverOf(req)) {
        void client.invalidateQueries({ queryKey: backupKeys.settings(serverId) });
        void client.invalidateQueries({ queryKey: backupKeys.list(serverId) });
      }
      if (restores) void client.invalidateQueries({ queryKey: mailKeys.all });
    },
  });
}

export const useSetBackupSettings = () =>
  useBackupMutation(
    (r: Request<'setBackupSettings'>) => api.setBackupSettings(r),
    (r) => [r.serverId],
  );
export const useRunBackup = () =>
  useBackupMutation(
    (r: Request<'runBackup'>) => api.runBackup(r),
    (r) => [r.serverId],
  );
export const useRestoreServer = () =>
  useBackupMutation(
    (r: Request<'restoreServer'>) => api.restoreServer(r),
    (r) => [r.serverId],
    true,
  );
export const useRestoreMailbox = () =>
  useBackupMutation(
    (r: Request<'restoreMailbox'>) => api.restoreMailbox(r),
    (r) => [r.serverId],
    true,
  );
export const useRestoreOntoNewServer = () =>
  useBackupMutation(
    (r: Request<'restoreOntoNewServer'>) => api.restoreOntoNewServer(r),
    (r) => [r.fromServerId, r.toServerId],
    true,
  );
export const useDownloadBackups = () =>
  useBackupMutation(
    (r: Request<'downloadBackups'>) => api.downloadBackups(r),
    (r) => [r.serverId],
  );

/** Counts per mailbox after a restore (each mailbox opened with the recovery key of this computer). */
export function useVerifyRestore() {
  return useMutation({
    mutationFn: (r: Request<'verifyRestore'>) => api.verifyRestore(r),
    meta: { localError: true },
  });
}
