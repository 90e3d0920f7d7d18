import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { api } from '../api/client';

export const statusKeys = {
  all: ['status'] as const,
  report: (serverId: string) => [...statusKeys.all, 'report', serverId] as const,
  alerts: () => [...statusKeys.all, 'alerts'] as const,
  alertEmails: (serverId: string) => [...statusKeys.all, 'alert-emails', serverId] as const,
};

/** Where the server emails its alerts; NOT_DEPLOYED (shown by the form) until the stack runs. */
export const alertEmailsQuery = (serverId: string) =>
  queryOptions({
    queryKey: statusKeys.alertEmails(serverId),
    queryFn: () => api.alertEmails({ serverId }),
    enabled: serverId !== '',
    retry: false,
    meta: { localError: true },
  });

export function useSetAlertEmails() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (req: { serverId: string; to: string[] }) => api.setAlertEmails(req),
    onSuccess: (saved, req) => client.setQueryData(statusKeys.alertEmails(req.serverId), saved),
    meta: { localError: true },
  });
}

/** The status checks of one server; run on opening, again on "Check again" (refetch). */
export const statusReportQuery = (serverId: string) =>
  queryOptions({
    queryKey: statusKeys.report(serverId),
    queryFn: () => api.runStatusChecks({ serverId }),
    enabled: serverId !== '',
    retry: false,
    staleTime: Infinity,
    meta: { localError: true },
  });

export const alertsQuery = () =>
  queryOptions({ queryKey: statusKeys.alerts(), queryFn: () => api.listAlerts({}) });

/** Keeps the alert list current: each `alert` push event refreshes it. */
export function useAlertFeed(): void {
  const client = useQueryClient();
  useEffect(
    () => api.on('alert', () => void client.invalidateQueries({ queryKey: statusKeys.alerts() })),
    [client],
  );
}
