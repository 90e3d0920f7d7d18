import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import type { Request } from '../../../shared/contract';
import { api } from '../api/client';

export const upgradeKeys = {
  all: ['upgrades'] as const,
  versions: (serverId: string) => [...upgradeKeys.all, 'versions', serverId] as const,
  settings: (serverId: string) => [...upgradeKeys.all, 'settings', serverId] as const,
  unattended: (serverId: string) => [...upgradeKeys.all, 'unattended', serverId] as const,
};

/** The running and available versions, with the changelog between them. */
export const upgradeVersionsQuery = (serverId: string) =>
  queryOptions({
    queryKey: upgradeKeys.versions(serverId),
    queryFn: () => api.upgradeVersions({ id: serverId }),
    enabled: serverId !== '',
    retry: false,
    meta: { localError: true },
  });

export const upgradeSettingsQuery = (serverId: string) =>
  queryOptions({
    queryKey: upgradeKeys.settings(serverId),
    queryFn: () => api.upgradeSettings({ id: serverId }),
    enabled: serverId !== '',
    meta: { localError: true },
  });

/** The server's automatic OS security updates (asked over SSH). */
export const unattendedUpgradesQuery = (serverId: string) =>
  queryOptions({
    queryKey: upgradeKeys.unattended(serverId),
    queryFn: () => api.unattendedUpgrades({ id: serverId }),
    enabled: serverId !== '',
    retry: false,
    meta: { localError: true },
  });

export function useUpgradeServer() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (req: Request<'upgradeServer'>) => api.upgradeServer(req),
    meta: { localError: true },
    onSettled: (_r, _e, req) => client.invalidateQueries({ queryKey: upgradeKeys.versions(req.serverId) }),
  });
}

export function useSetUpgradeSettings() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (req: Request<'setUpgradeSettings'>) => api.setUpgradeSettings(req),
    meta: { localError: true },
    onSuccess: (settings, req) => {
      client.setQueryData(upgradeKeys.settings(req.serverId), settings);
      return client.invalidateQueries({ queryKey: upgradeKeys.versions(req.serverId) });
    },
  });
}

export function useSetUnattendedUpgrades() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (req: Request<'setUnattendedUpgrades'>) => api.setUnattendedUpgrades(req),
    meta: { localError: true },
    onSuccess: (state, req) => client.setQueryData(upgradeKeys.unattended(req.serverId), state),
  });
}
