import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Request } from '../../../shared/contract';
import { api } from '../api/client';

/** Seals the vault and server list into a kit file (the passphrase typed twice). */
export function useExportRecoveryKit() {
  return useMutation({
    mutationFn: (req: Request<'exportRecoveryKit'>) => api.exportRecoveryKit(req),
    meta: { localError: true },
  });
}

/** Merges a kit into this computer; everything the app shows may have changed, so all is refetched. */
export function useImportRecoveryKit() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (req: Request<'importRecoveryKit'>) => api.importRecoveryKit(req),
    meta: { localError: true },
    onSuccess: () => client.invalidateQueries(),
  });
}
