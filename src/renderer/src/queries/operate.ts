import { queryOptions } from '@tanstack/react-query';
import type { MetricsRange } from '../../../shared/operate';
import { api } from '../api/client';

export const operateKeys = {
  all: ['operate'] as const,
  overview: () => [...operateKeys.all, 'overview'] as const,
  health: (serverId: string) => [...operateKeys.all, 'health', serverId] as const,
  metrics: (serverId: string, range: MetricsRange) =>
    [...operateKeys.all, 'metrics', serverId, range] as const,
};

/** Every server with its one-line state; asks again as often as the desktop's setting says. */
export const serversOverviewQuery = () =>
  queryOptions({
    queryKey: operateKeys.overview(),
    queryFn: () => api.serversOverview({}),
    refetchInterval: (query) => query.state.data?.refreshMs ?? false,
    meta: { localError: true },
  });

export const serverHealthQuery = (serverId: string, refreshMs: number | false) =>
  queryOptions({
    queryKey: operateKeys.health(serverId),
    queryFn: () => api.serverHealth({ id: serverId }),
    enabled: serverId !== '',
    refetchInterval: refreshMs,
    retry: false,
    meta: { localError: true },
  });

export const serverMetricsQuery = (serverId: string, range: MetricsRange, refreshMs: number | false) =>
  queryOptions({
    queryKey: operateKeys.metrics(serverId, range),
    queryFn: () => api.serverMetrics({ serverId, range }),
    enabled: serverId !== '',
    refetchInterval: refreshMs,
    retry: false,
    meta: { localError: true },
  });
