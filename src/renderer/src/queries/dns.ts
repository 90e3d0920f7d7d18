import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import type { Request } from '../../../shared/contract';
import { api } from '../api/client';

export const dnsKeys = {
  all: ['dns'] as const,
  savedProvider: (domain: string) => [...dnsKeys.all, 'provider', domain] as const,
};

/** The dynamic-update settings saved for a domain (never the secret itself). */
export const savedProviderQuery = (domain: string) =>
  queryOptions({
    queryKey: dnsKeys.savedProvider(domain),
    queryFn: () => api.dnsSavedProvider({ domain }),
    enabled: domain !== '',
    retry: false,
  });

/** The record set is computed from what the form holds, on demand: its errors belong to the form. */
export function useDnsPlan() {
  return useMutation({
    mutationFn: (req: Request<'dnsPlan'>) => api.dnsPlan(req),
    meta: { localError: true },
  });
}

export function useDnsCheck() {
  return useMutation({
    mutationFn: (req: Request<'dnsCheck'>) => api.dnsCheck(req),
    meta: { localError: true },
  });
}

export function useDnsApply() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (req: Request<'dnsApply'>) => api.dnsApply(req),
    meta: { localError: true },
    onSuccess: (_result, req) =>
      client.invalidateQueries({ queryKey: dnsKeys.savedProvider(req.plan.domain.trim().toLowerCase()) }),
  });
}
